"""The `openai_compatible` adapter against a stub /v1/chat/completions server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fm_helpers import run_cli

from fmbench.errors import ConfigError, ModelError
from fmbench.models.config import ModelConfig
from fmbench.models.factory import build_model
from fmbench.testing import read_eval, write_yaml

pytest.importorskip("torch")  # the fm adapters are tested where the fm extra is installed
pytest.importorskip("transformers")

pytestmark = pytest.mark.usefixtures("isolated_cache")


class Stub:
    """Fails the first request with 500, stalls the first request whose prompt says SLOW."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.fail_first = True
        self.slow_seen = False
        self.always_fail = False

    def reply(self, body: dict) -> tuple[int, dict | str]:
        self.requests.append(body)
        if self.always_fail:
            return 503, "overloaded"
        if self.fail_first:
            self.fail_first = False
            return 500, "internal error"
        prompt = body["messages"][-1]["content"]
        if "SLOW" in prompt and not self.slow_seen:
            self.slow_seen = True
            time.sleep(1.5)
        text = "FINDINGS: " + prompt.upper() + "\nIMPRESSION: Normal."
        return 200, {"id": "x", "choices": [{"index": 0, "message": {"role": "assistant", "content": text}}]}


@pytest.fixture
def server():
    stub = Stub()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            body["_auth"] = self.headers.get("Authorization")
            body["_path"] = self.path
            status, payload = stub.reply(body)
            data = (json.dumps(payload) if isinstance(payload, dict) else payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client timed out and left

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    stub.base_url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    yield stub
    httpd.shutdown()
    httpd.server_close()


def config(stub, **kw) -> ModelConfig:
    return ModelConfig(
        model_id="llm",
        type="openai_compatible",
        base_url=stub.base_url,
        model="tiny-llm",
        backoff_s=0.01,
        timeout_s=0.5,
        **kw,
    )


def test_retry_after_500_and_after_a_timeout(server, monkeypatch):
    monkeypatch.setenv("STUB_KEY", "sekret")
    model = build_model(
        config(
            server,
            api_key_env="STUB_KEY",
            system_prompt="You are a radiologist.",
            prompt_template="Indication: {indication}. Findings: {findings}",
        )
    )
    out = model.generate(
        [{"indication": "cough", "findings": ["effusion", "SLOW"]}, {"indication": "pain", "findings": []}]
    )
    assert out == [
        "FINDINGS: INDICATION: COUGH. FINDINGS: EFFUSION; SLOW\nIMPRESSION: Normal.",
        "FINDINGS: INDICATION: PAIN. FINDINGS: \nIMPRESSION: Normal.",
    ]
    # 1: HTTP 500, 2: stalled past the timeout, 3: answered, 4: second input
    assert len(server.requests) == 4
    first = server.requests[0]
    assert first["_path"] == "/v1/chat/completions" and first["_auth"] == "Bearer sekret"
    assert first["model"] == "tiny-llm" and first["temperature"] == 0.0
    assert first["messages"][0] == {"role": "system", "content": "You are a radiologist."}


def test_gives_up_after_max_retries_with_one_line(server):
    server.always_fail = True
    model = build_model(config(server, max_retries=2))
    with pytest.raises(ModelError, match=r"failed after 3 tries; last: HTTP 503: overloaded"):
        model.generate(["x"])
    assert len(server.requests) == 3


def test_config_errors(server, monkeypatch):
    monkeypatch.delenv("NO_SUCH_KEY_VAR", raising=False)
    with pytest.raises(ConfigError, match="NO_SUCH_KEY_VAR"):
        build_model(config(server, api_key_env="NO_SUCH_KEY_VAR"))
    model = build_model(config(server, prompt_template="{nope}"))
    with pytest.raises(ConfigError, match=r"\{nope\}"):
        model.generate([{"indication": "x"}])


STUDIES = [
    {
        "study_id": f"s{i}",
        "report_type": "chest_xray",
        "modality": "CR",
        "institution": f"inst{i % 2}",
        "complexity": "simple",
        "indication": "Cough.",
        "findings": [{"finding": "pleural_effusion", "status": "present" if i % 2 else "absent"}],
        "reference": "FINDINGS: There is a small pleural effusion.\nIMPRESSION: Small pleural effusion."
        if i % 2
        else "FINDINGS: No pleural effusion.\nIMPRESSION: Normal chest.",
    }
    for i in range(12)
]


@pytest.mark.slow
def test_generation_suite_through_run(server, tmp_path):
    data = tmp_path / "reports"
    data.mkdir()
    for split, rows in (("train", STUDIES[:4]), ("test", STUDIES[4:])):
        (data / f"{split}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    cat = tmp_path / "catalog"
    write_yaml(
        cat / "datasets" / "DS-FM-REPORTS.yaml",
        {
            "id": "DS-FM-REPORTS",
            "name": "stub reports",
            "source": "file",
            "loader": "report_jsonl",
            "format": "jsonl",
            "license": "CC0-1.0",
            "params": {"path": str(data)},
        },
    )
    write_yaml(
        cat / "suites" / "SUITE-FM-REPORTS.yaml",
        {
            "id": "SUITE-FM-REPORTS",
            "benchmark_id": "BM-REPORT-GEN",
            "name": "stub",
            "dataset_id": "DS-FM-REPORTS",
            "protocol": "generation",
            "split": {"kind": "predefined"},
            "bootstrap": {"n_boot": 100, "seed": 1},
            "min_group_size": 2,
        },
    )
    cfg = write_yaml(
        tmp_path / "llm.yaml",
        {
            "model_id": "stub-llm",
            "type": "openai_compatible",
            "base_url": server.base_url,
            "model": "tiny-llm",
            "backoff_s": 0.01,
            "prompt_template": "{findings}",
        },
    )
    run_cli(
        [
            "run",
            "--suite",
            "SUITE-FM-REPORTS",
            "--model",
            str(cfg),
            "--out",
            str(tmp_path / "o"),
            "--catalog",
            str(cat),
        ]
    )
    rec = read_eval(tmp_path / "o" / "eval.yaml")
    assert rec["dataset"]["n"] == 8 and rec["model"]["id"] == "stub-llm"
    assert len(server.requests) == 9  # one 500, then one per test study
