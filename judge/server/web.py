"""The web UI (server-rendered): placeholder until the pages land."""
from fastapi import APIRouter

router = APIRouter()
