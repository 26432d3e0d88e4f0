"""The built-in workflows: small, deterministic, and doing real work on their inputs.

- 550e8400-e29b-41d4-a716-446655440000 "Text to Image": text_51536 (string) -> image_output (PNG)
- 660f9411-f30c-52e5-b827-557766551111 "Image to Image": image_input (image), prompt (string)
  -> transformed_image (PNG)
- 770a1522-a3cd-4e0b-8c1f-668877662222 "Prompt Enhancer": prompt (string) -> enhanced_prompt
  (text, served as file_content)
- 880b2633-b4de-4f1c-9d20-779988773333 "Image Report": prompt (string), seed (number) ->
  preview (PNG), caption (text), metadata (JSON file)
"""

from __future__ import annotations

import hashlib
import io
import json
import random
from collections.abc import Mapping
from typing import Final

from ._context import RunContext
from ._models import InputFile, OutputValue, Workflow, WorkflowFailed

TEXT_TO_IMAGE: Final = "550e8400-e29b-41d4-a716-446655440000"
IMAGE_TO_IMAGE: Final = "660f9411-f30c-52e5-b827-557766551111"
PROMPT_ENHANCER: Final = "770a1522-a3cd-4e0b-8c1f-668877662222"
IMAGE_REPORT: Final = "880b2633-b4de-4f1c-9d20-779988773333"

_SAMPLER_STEPS: Final = 8


def _seed(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def _sample(ctx: RunContext, steps: int = _SAMPLER_STEPS) -> None:
    """Pretend to run a sampler: one progress event per step, ``step_delay`` apart."""
    for step in range(1, steps + 1):
        ctx.step()
        ctx.progress(step, steps, node_id="3", node_type="KSampler")


def _text(ctx: RunContext, field: str) -> str:
    value = ctx.inputs.get(field, "")
    return value if isinstance(value, str) else value.data.decode("utf-8", "replace")


def render_prompt(prompt: str, size: int = 512) -> bytes:
    """A PNG fully determined by ``prompt``: a two-colour gradient with a few discs."""
    from PIL import Image, ImageDraw  # imported here: Pillow is heavy and only needed here

    rng = random.Random(_seed(prompt))
    start = tuple(rng.randrange(256) for _ in range(3))
    end = tuple(rng.randrange(256) for _ in range(3))
    mask = Image.linear_gradient("L").resize((size, size)).rotate(rng.choice((0, 90, 180, 270)))
    image = Image.composite(
        Image.new("RGB", (size, size), end), Image.new("RGB", (size, size), start), mask
    )
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(3, 9)):
        x, y, r = rng.randrange(size), rng.randrange(size), rng.randint(size // 32, size // 6)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def transform_image(data: bytes, prompt: str) -> bytes:
    """Decode ``data``, then rotate, mirror and tint it (the tint depends on ``prompt``)."""
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(data)) as source:
            source.load()
            image = source.convert("RGB")
    except Exception as exc:
        raise WorkflowFailed(
            f"Cannot decode image_input: {exc}", node_id="10", node_type="LoadImage"
        ) from exc
    rng = random.Random(_seed(prompt))
    tint = Image.new("RGB", image.size, tuple(rng.randrange(256) for _ in range(3)))
    image = ImageOps.mirror(image.rotate(90, expand=True))
    tint = tint.resize(image.size)
    result = Image.blend(image, tint, 0.3)
    out = io.BytesIO()
    result.save(out, format="PNG")
    return out.getvalue()


def _text_to_image(ctx: RunContext) -> Mapping[str, OutputValue]:
    prompt = _text(ctx, "text_51536")
    ctx.log(f"prompt: {prompt!r}")
    _sample(ctx)
    ctx.progress(1, 1, node_id="8", node_type="VAEDecode")
    return {"image_output.png": render_prompt(prompt)}


def _image_to_image(ctx: RunContext) -> Mapping[str, OutputValue]:
    upload = ctx.inputs.get("image_input")
    if not isinstance(upload, InputFile):
        raise WorkflowFailed("image_input is not a file", node_id="10", node_type="LoadImage")
    prompt = _text(ctx, "prompt")
    ctx.progress(1, 1, node_id="10", node_type="LoadImage")
    result = transform_image(upload.data, prompt)
    _sample(ctx)
    return {"transformed_image.png": result}


def enhance(prompt: str) -> str:
    words = prompt.split()
    rng = random.Random(_seed(prompt))
    extras = rng.sample(
        ["highly detailed", "cinematic lighting", "8k", "sharp focus", "volumetric fog",
         "golden hour", "studio photo", "trending on artstation"],
        k=3,
    )  # fmt: skip
    return ", ".join([" ".join(words) or "an empty prompt", *extras])


def _prompt_enhancer(ctx: RunContext) -> Mapping[str, OutputValue]:
    prompt = _text(ctx, "prompt")
    for step in range(1, 4):
        ctx.step()
        ctx.progress(step, 3, node_id="5", node_type="LLMPrompt")
    return {"enhanced_prompt.txt": enhance(prompt)}


def _image_report(ctx: RunContext) -> Mapping[str, OutputValue]:
    prompt = _text(ctx, "prompt")
    seed_text = _text(ctx, "seed")
    _sample(ctx, 4)
    image = render_prompt(f"{prompt}#{seed_text}", size=256)
    caption = f"{prompt} (seed {seed_text})"
    metadata = {
        "prompt": prompt,
        "seed": seed_text,
        "width": 256,
        "height": 256,
        "sha256": hashlib.sha256(image).hexdigest(),
    }
    return {
        "preview.png": image,
        "caption.txt": caption,
        "metadata.json": json.dumps(metadata, indent=2).encode(),
    }


BUILTINS: Final = (
    Workflow(
        id=TEXT_TO_IMAGE,
        name="Text to Image",
        description="Generate an image from text input",
        inputs={"text_51536": "string"},
        outputs={"image_output": "image"},
        fn=_text_to_image,
    ),
    Workflow(
        id=IMAGE_TO_IMAGE,
        name="Image to Image",
        description="Transform an existing image",
        inputs={"image_input": "image", "prompt": "string"},
        outputs={"transformed_image": "image"},
        fn=_image_to_image,
    ),
    Workflow(
        id=PROMPT_ENHANCER,
        name="Prompt Enhancer",
        description="Rewrite a prompt with more detail (a text output)",
        inputs={"prompt": "string"},
        outputs={"enhanced_prompt": "text"},
        fn=_prompt_enhancer,
    ),
    Workflow(
        id=IMAGE_REPORT,
        name="Image Report",
        description="An image, its caption and a JSON metadata file (several outputs)",
        inputs={"prompt": "string", "seed": "number"},
        outputs={"preview": "image", "caption": "text", "metadata": "file"},
        fn=_image_report,
    ),
)
