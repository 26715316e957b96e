"""``type: openai_compatible``: report generation through an OpenAI-compatible chat endpoint.

For a model served on the user's own machine or server (vLLM, llama.cpp, TGI, Ollama, ...):

```yaml
model_id: my-report-llm
type: openai_compatible
base_url: http://127.0.0.1:8000/v1     # POST {base_url}/chat/completions
model: my-finetuned-llm                # the server's model name
prompt_template: "Write the radiology report.\n{input}"
system_prompt: You are a radiologist.
api_key_env: MY_LLM_KEY                # optional: name of the env variable holding the key
max_tokens: 512
temperature: 0.0
timeout_s: 60                          # per request
max_retries: 3                         # on connection errors, timeouts, 429 and 5xx
backoff_s: 1.0                         # waits backoff_s * 2**attempt between tries
```

``generate(inputs) -> list[str]``: each input fills the template — a string as ``{input}``, a
mapping by its keys (``{indication}``, ``{findings}``, ...; lists are joined by "; ") and
also as ``{input}`` (its JSON). The reply's ``choices[0].message.content`` is the report.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from pydantic import Field

from fmbench.errors import ConfigError, ModelError
from fmbench.models.adapters._common import AdapterOptions, parse_options
from fmbench.models.capabilities import declare_methods
from fmbench.models.config import ModelConfig
from fmbench.models.factory import MODEL_TYPES
from fmbench.progress import report_batch

RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


class OpenAIOptions(AdapterOptions):
    base_url: str = Field(description="Endpoint root, e.g. http://127.0.0.1:8000/v1.")
    model: str = Field(description="Model name the server expects.")
    prompt_template: str = Field("{input}", description="User message; {input} or the input's keys.")
    system_prompt: str | None = Field(None, description="Optional system message.")
    api_key_env: str | None = Field(None, description="Environment variable holding the API key.")
    max_tokens: int = Field(512, ge=1, description="Longest reply in tokens.")
    temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature (0: greedy).")
    seed: int | None = Field(0, description="Sampling seed sent to servers that honour it.")
    timeout_s: float = Field(60.0, gt=0, description="Seconds one request may take.")
    max_retries: int = Field(3, ge=0, le=10, description="Retries after a failed request.")
    backoff_s: float = Field(1.0, ge=0, description="First wait between retries; doubles each time.")


class _Fields(dict):
    def __missing__(self, key: str) -> str:
        raise KeyError(key)


def render_prompt(template: str, item: Any) -> str:
    if isinstance(item, dict):
        fields = _Fields(
            {k: "; ".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in item.items()}
        )
        fields.setdefault("input", json.dumps(item, ensure_ascii=False, sort_keys=True))
    else:
        fields = _Fields(input=str(item))
    try:
        return template.format_map(fields)
    except KeyError as exc:
        raise ConfigError(
            f"prompt_template names {{{exc.args[0]}}}, which the input lacks "
            f"(available: {', '.join(sorted(fields))})"
        ) from None


class OpenAICompatibleModel:
    def __init__(self, config: ModelConfig, opts: OpenAIOptions) -> None:
        self.config, self.opts = config, opts
        self.headers = {"Content-Type": "application/json"}
        if opts.api_key_env:
            key = os.environ.get(opts.api_key_env)
            if not key:
                raise ConfigError(
                    f"model {config.model_id}: api_key_env names {opts.api_key_env}, "
                    "which is not set in the environment"
                )
            self.headers["Authorization"] = f"Bearer {key}"
        self.url = opts.base_url.rstrip("/") + "/chat/completions"

    def _request(self, client: Any, prompt: str) -> str:
        import httpx

        o, who = self.opts, f"model {self.config.model_id!r}"
        messages = [{"role": "system", "content": o.system_prompt}] if o.system_prompt else []
        body = {
            "model": o.model,
            "messages": [*messages, {"role": "user", "content": prompt}],
            "max_tokens": o.max_tokens,
            "temperature": o.temperature,
            **({"seed": o.seed} if o.seed is not None else {}),
        }
        last = ""
        for attempt in range(o.max_retries + 1):
            if attempt:
                time.sleep(o.backoff_s * 2 ** (attempt - 1))
            try:
                resp = client.post(self.url, json=body, headers=self.headers, timeout=o.timeout_s)
            except httpx.TimeoutException:
                last = f"timed out after {o.timeout_s:g}s"
                continue
            except httpx.TransportError as exc:
                last = f"cannot reach {self.url}: {type(exc).__name__}: {exc}"
                continue
            if resp.status_code in RETRY_STATUS:
                last = f"HTTP {resp.status_code}: {' '.join(resp.text.split())[:200]}"
                continue
            if resp.status_code != 200:
                raise ModelError(
                    f"{who}: {self.url} answered HTTP {resp.status_code}: {' '.join(resp.text.split())[:200]}"
                )
            try:
                content = resp.json()["choices"][0]["message"]["content"]
            except (ValueError, KeyError, IndexError, TypeError):
                raise ModelError(f"{who}: {self.url} returned no choices[0].message.content") from None
            if not isinstance(content, str):
                raise ModelError(f"{who}: {self.url} returned a non-text message content")
            return content
        raise ModelError(f"{who}: request failed after {o.max_retries + 1} tries; last: {last}")

    def generate(self, inputs: Any) -> list[str]:
        import httpx

        items = inputs.tolist() if hasattr(inputs, "tolist") else list(inputs)
        prompts = [render_prompt(self.opts.prompt_template, item) for item in items]
        out = []
        with httpx.Client(trust_env=False) as client:
            for p in prompts:  # one request per report: each advances the run's bar
                out.append(self._request(client, p))
                report_batch(1)
        return out


@MODEL_TYPES.register("openai_compatible")
def build(config: ModelConfig) -> OpenAICompatibleModel:
    try:
        import httpx  # noqa: F401
    except ImportError:
        raise ConfigError(
            f"model {config.model_id}: type openai_compatible needs httpx; "
            "install fmbench[fm] (or fmbench[hub])"
        ) from None
    return OpenAICompatibleModel(config, parse_options(config, OpenAIOptions))


declare_methods("openai_compatible", OpenAICompatibleModel)
