"""Similarity: renamed and reformatted copies are flagged, independent solutions are not."""
from judge import similarity as S

from .conftest import FIXTURE_ROOT

TOY = FIXTURE_ROOT / "submissions" / "toy"
STARTER = {"solution.py": (FIXTURE_ROOT / "problems" / "toy" / "starter" / "solution.py").read_text()}
LOOP = (TOY / "accepted" / "loop" / "solution.py").read_text()
REFERENCE = (FIXTURE_ROOT / "reference" / "toy" / "solution.py").read_text()

# LOOP with every name changed, other indentation, comments, a docstring, blank
# lines, a one-line loop body and different spacing.
LOOP_DISGUISED = '''
# my own work
def scale(arr,   factor):
  """Multiply."""
  import numpy
  arr = numpy.array(arr,dtype=float)   # a copy
  result = arr.copy()
  for idx in numpy.ndindex(arr.shape):
      result[idx] = arr[idx]*factor
  return result



def total(values):
  acc = 0.0
  for item in values: acc += float(item)
  return acc
'''

# LOOP again, renamed differently and laid out with parentheses and line breaks.
LOOP_REFORMATTED = '''def scale(x_in, k):
    import numpy
    x_in = numpy.array(
        x_in,
        dtype=float,
    )
    res = x_in.copy()
    for pos in numpy.ndindex(x_in.shape):
        res[pos] = (x_in[pos] * k)
    return res


def total(seq):
    running = 0.0
    for elem in seq:
        running += float(elem)
    return running
'''

# Two more correct solutions, written independently of LOOP and of each other.
COMPREHENSION = '''import math


def scale(x, a):
    import numpy as np
    return np.array([[a * v for v in row] for row in np.atleast_2d(x)]).reshape(np.shape(x))


def total(x):
    return float(math.fsum(x))
'''


def sims(subs):
    return {(p.a, p.b): p for p in S.compare_all(subs, STARTER)}


def test_renamed_and_reformatted_copies_are_flagged():
    pairs = sims({"loop": {"solution.py": LOOP}, "disguised": {"solution.py": LOOP_DISGUISED},
                  "reformatted": {"solution.py": LOOP_REFORMATTED}})
    for key in [("disguised", "loop"), ("disguised", "reformatted"), ("loop", "reformatted")]:
        assert pairs[key].flagged, pairs[key]
        assert pairs[key].similarity >= S.THRESHOLD


def test_independent_correct_solutions_are_not_flagged():
    pairs = sims({"loop": {"solution.py": LOOP}, "reference": {"solution.py": REFERENCE},
                  "comprehension": {"solution.py": COMPREHENSION}})
    for pair in pairs.values():
        assert not pair.flagged, pair
        assert pair.similarity < S.THRESHOLD / 2


def test_normalising_removes_names_literals_comments_and_layout():
    a = [t.text for t in S.normalise(LOOP)]
    assert a == [t.text for t in S.normalise(LOOP_DISGUISED)]
    assert "N" in a and "ndindex" in a and "float" in a  # own names hidden, library names kept
    assert "0" in a and "0.0" not in a


def test_the_starter_is_discounted():
    """Two submissions that are the starter plus a line each are not alike in what they wrote."""
    a = STARTER["solution.py"] + "\n\ndef helper(v):\n    return v + 1\n"
    b = STARTER["solution.py"] + "\n\nCONSTANT = [1, 2, 3]\n"
    with_discount = S.compare_all({"a": {"solution.py": a}, "b": {"solution.py": b}}, STARTER)[0]
    without = S.compare_all({"a": {"solution.py": a}, "b": {"solution.py": b}}, None)[0]
    assert without.similarity > with_discount.similarity
    assert not with_discount.flagged
    assert S.fingerprint("s", STARTER, S.starter_hashes(STARTER)).size == 0


def test_matching_lines_are_reported_for_flagged_pairs():
    (pair,) = S.compare_all({"loop": {"solution.py": LOOP}, "copy": {"solution.py": LOOP_REFORMATTED}}, STARTER)
    assert pair.flagged
    assert 5 in pair.lines_b["solution.py"] and 4 in pair.lines_a["solution.py"]  # the copy() line in both


def test_code_that_does_not_parse_is_still_compared():
    broken = LOOP.replace("def total(x):", "def total(x)")
    pairs = S.compare_all({"loop": {"solution.py": LOOP}, "broken": {"solution.py": broken}}, STARTER)
    assert pairs[0].similarity > 0.5


def test_tiny_submissions_are_not_flagged():
    tiny = {"solution.py": "def scale(x, a):\n    return x\n"}
    (pair,) = S.compare_all({"a": tiny, "b": dict(tiny)}, STARTER)
    assert pair.similarity == 0 or not pair.flagged


def test_winnowing_keeps_a_fingerprint_in_every_window():
    hashes = [9, 3, 7, 3, 8, 1, 6, 6, 2, 5]
    chosen = S.winnow(hashes, 4)
    for start in range(len(hashes) - 3):
        assert any(start <= p < start + 4 for p in chosen)
    assert S.winnow([5, 4], 4) == [0, 1]
