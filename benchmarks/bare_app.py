"""The floor under every figure of benchmarks/serve.py: a FastAPI app with one route that does
nothing, served by the same uvicorn. Its latency under the same load is what this machine's
scheduler, the framework and the load generator cost before the engine does any work.

    python -m uvicorn bare_app:app --app-dir benchmarks --port 8001
"""

from fastapi import FastAPI

app = FastAPI()


@app.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}
