import sys

from .refill import main

sys.exit(main(sys.argv[1:]))
