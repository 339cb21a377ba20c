#!/usr/bin/env python3
"""Compare this playground with Hugging Face's own libraries, on any machine that has them.

    npm run check:hf:prepare -- --out check-hf      # here: writes the inputs (see scripts/check-hf-prepare.ts)
    python3 scripts/check-with-hf.py check-hf       # there: torch, transformers, peft, safetensors

Checks, one line each with the largest absolute difference found:

  files     (torch, safetensors)   every checkpoint and adapter file loads, all values are finite,
                                   and each adapter tensor has the shape its adapter_config.json implies
  forward   (+ transformers)       each checkpoint, built-in and random, loaded with
                                   GPT2LMHeadModel / ViTForImageClassification /
                                   T5ForConditionalGeneration.from_pretrained, against the logits our
                                   CLI's `forward` printed (T5: every decoder step, teacher-forced on
                                   our greedy ids, and the greedy ids themselves)
  ours      (+ peft)               our exported adapters (LoRA, prompt tuning, each family) through
                                   PeftModel.from_pretrained, against our `forward --adapter`
  peft-made (+ peft, node)         adapters PEFT makes here (get_peft_model + save_pretrained: LoRA
                                   on GPT-2's c_attn, on c_attn + c_proj for classification, on
                                   q,v of T5 and query,value of ViT; prompt tuning), which our CLI
                                   then loads (`--print-commands` only prints those commands)

A library that is missing is named, the checks that need it are reported as SKIP, and the exit
status is 2; a difference above the manifest's tolerance is FAIL and exit status 1.
"""

import argparse
import importlib.util
import json
import math
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

LIBRARIES = ["torch", "safetensors", "transformers", "peft"]
NEEDS = {
    "files": ["torch", "safetensors"],
    "forward": ["torch", "safetensors", "transformers"],
    "ours": ["torch", "safetensors", "transformers", "peft"],
    "peft-made": ["torch", "safetensors", "transformers", "peft"],
}


class Report:
    def __init__(self):
        self.failed = 0
        self.skipped = 0

    def line(self, status, name, diff=None, note=""):
        shown = "" if diff is None else f"max|diff| {diff:.3e}"
        print(f"{status:<5} {name:<58} {shown:<20} {note}".rstrip(), flush=True)
        if status == "FAIL":
            self.failed += 1
        if status == "SKIP":
            self.skipped += 1

    def compare(self, name, ours, theirs, tolerance, note=""):
        """ours, theirs: flat lists of floats of the same length."""
        if len(ours) != len(theirs):
            self.line("FAIL", name, None, f"{len(ours)} values here, {len(theirs)} there {note}")
            return
        diff = max((abs(a - b) for a, b in zip(ours, theirs)), default=0.0)
        bad = not math.isfinite(diff) or diff > tolerance
        self.line("FAIL" if bad else "ok", name, diff, note)


def missing(names):
    return [n for n in names if importlib.util.find_spec(n) is None]


def flat(values):
    out = []
    for v in values:
        if isinstance(v, (list, tuple)):
            out.extend(flat(v))
        else:
            out.append(float(v))
    return out


# ---------------------------------------------------------------- files (torch + safetensors)


def pattern_key(keys, name):
    """peft.utils.other.get_pattern_key: the first key with re.match(rf"(.*\\.)?({key})$", name)."""
    for key in keys:
        if re.match(rf"(.*\.)?({key})$", name):
            return key
    return None


def check_files(folder, manifest, report):
    import torch
    from safetensors.torch import load_file

    for ckpt in manifest["checkpoints"]:
        tensors = load_file(str(folder / ckpt["path"] / "model.safetensors"))
        finite = all(bool(torch.isfinite(t).all()) for t in tensors.values())
        report.line("ok" if finite else "FAIL", f"files checkpoint {ckpt['name']}", None, f"{len(tensors)} tensors{'' if finite else ', NOT all finite'}")
    for entry in manifest["ourAdapters"]:
        directory = folder / entry["adapter"]
        config = json.loads((directory / "adapter_config.json").read_text())
        tensors = load_file(str(directory / "adapter_model.safetensors"))
        problems = []
        if config["peft_type"] == "LORA":
            for name, t in tensors.items():
                match = re.match(r"base_model\.model\.(.*)\.lora_([AB])\.weight$", name)
                if not match:
                    continue
                module, which = match.groups()
                key = pattern_key(list(config.get("rank_pattern") or {}), module)
                rank = config["rank_pattern"][key] if key else config["r"]
                if (t.shape[0] if which == "A" else t.shape[1]) != rank:
                    problems.append(f"{name} {tuple(t.shape)} is not rank {rank}")
        elif config["peft_type"] == "PROMPT_TUNING":
            expected = (config["num_virtual_tokens"] * (config.get("num_transformer_submodules") or 1), config["token_dim"])
            if tuple(tensors["prompt_embeddings"].shape) != expected:
                problems.append(f"prompt_embeddings {tuple(tensors['prompt_embeddings'].shape)}, config says {expected}")
        if not all(bool(torch.isfinite(t).all()) for t in tensors.values()):
            problems.append("not all values finite")
        report.line("FAIL" if problems else "ok", f"files {entry['adapter']}", None, "; ".join(problems) or f"{len(tensors)} tensors match adapter_config.json")


# ---------------------------------------------------------------- models (transformers)


def load_base(family, path, task="lm", num_labels=None):
    from transformers import GPT2ForSequenceClassification, GPT2LMHeadModel, T5ForConditionalGeneration, ViTForImageClassification

    if family == "gpt2":
        if task == "classify":
            return GPT2ForSequenceClassification.from_pretrained(path, num_labels=num_labels).eval()
        return GPT2LMHeadModel.from_pretrained(path).eval()
    if family == "vit":
        if num_labels is None:
            return ViTForImageClassification.from_pretrained(path).eval()
        # A new task's head: PeftModel puts the adapter's classifier (modules_to_save) over it.
        return ViTForImageClassification.from_pretrained(path, num_labels=num_labels, ignore_mismatched_sizes=True).eval()
    return T5ForConditionalGeneration.from_pretrained(path).eval()


def model_inputs(folder, family, model_config, entry_input, ours):
    """The tensors one forward takes: the same ids (T5: ours['inputIds']) or pixel values."""
    import torch

    if family == "vit":
        pixels = json.loads((folder / entry_input["pixels"]).read_text())
        size = model_config.image_size
        return {"pixel_values": torch.tensor(flat(pixels), dtype=torch.float32).reshape(1, model_config.num_channels, size, size)}
    ids = ours["inputIds"] if family == "t5" else entry_input["ids"]
    input_ids = torch.tensor([ids], dtype=torch.long)
    return {"input_ids": input_ids, "attention_mask": torch.ones_like(input_ids)}


def their_logits(model, family, task, inputs, ours, start_token):
    """Logits comparable with ours: GPT-2 the last position (or the labels), ViT the labels,
    T5 every decoder step teacher-forced on our generated ids (plus their argmax)."""
    import torch

    with torch.no_grad():
        if family == "t5":
            generated = ours["generatedIds"]
            decoder = torch.tensor([[start_token] + generated[:-1]], dtype=torch.long)
            logits = model(**inputs, decoder_input_ids=decoder).logits[0]
            return flat(logits.tolist()), logits.argmax(-1).tolist()
        out = model(**inputs).logits
        if family == "gpt2" and task == "lm":
            return flat(out[0, -1].tolist()), None
        return flat(out[0].tolist()), None


def our_logits(family, ours):
    if family == "t5":
        return flat(ours["scores"])
    if family == "vit":
        return flat(ours["logits"])
    return flat(ours["lastLogits"])


def compare_forward(report, name, model, family, task, folder, entry_input, ours, tolerance):
    inputs = model_inputs(folder, family, model.config, entry_input, ours)
    start = getattr(model.config, "decoder_start_token_id", 0) or 0
    theirs, argmax = their_logits(model, family, task, inputs, ours, start)
    note = ""
    if argmax is not None:
        same = argmax == ours["generatedIds"]
        note = "greedy ids agree" if same else f"greedy ids differ: theirs {argmax}, ours {ours['generatedIds']}"
        if not same:
            report.line("FAIL", f"{name} (greedy ids)", None, note)
    report.compare(name, our_logits(family, ours), theirs, tolerance, note)


def check_forward(folder, manifest, report):
    checkpoints = {c["name"]: c for c in manifest["checkpoints"]}
    for entry in manifest["forward"]:
        ckpt = checkpoints[entry["checkpoint"]]
        ours = json.loads((folder / entry["ours"]).read_text())
        model = load_base(entry["family"], str(folder / ckpt["path"]))
        compare_forward(report, entry["name"], model, entry["family"], "lm", folder, entry["input"], ours, manifest["tolerance"])


def check_ours(folder, manifest, report):
    from peft import PeftModel

    checkpoints = {c["name"]: c for c in manifest["checkpoints"]}
    for entry in manifest["ourAdapters"]:
        ckpt = checkpoints[entry["checkpoint"]]
        ours = json.loads((folder / entry["ours"]).read_text())
        family, task = entry["family"], entry["task"]
        labels = entry["numLabels"] if task in ("classify", "image-classify") else None
        base = load_base(family, str(folder / ckpt["path"]), task, labels)
        model = PeftModel.from_pretrained(base, str(folder / entry["adapter"])).eval()
        compare_forward(report, entry["name"], model, family, task, folder, entry["input"], ours, manifest["tolerance"])


# ---------------------------------------------------------------- PEFT writes, our CLI reads


def default_cli(repo):
    return [str(Path(repo) / "node_modules" / ".bin" / "tsx"), str(Path(repo) / "src" / "cli" / "main.ts")]


def make_peft_adapter(folder, manifest, entry):
    """get_peft_model + random adapter values + save_pretrained; returns the PEFT model (eval)."""
    import torch
    from peft import LoraConfig, PromptTuningConfig, get_peft_model

    checkpoints = {c["name"]: c for c in manifest["checkpoints"]}
    task = "classify" if entry["task_type"] == "SEQ_CLS" else "lm"
    base = load_base(entry["family"], str(folder / checkpoints[entry["checkpoint"]]["path"]), task, entry.get("numLabels"))
    kwargs = dict(entry["config"])
    if entry["task_type"] is not None:
        kwargs["task_type"] = entry["task_type"]
    config = LoraConfig(**kwargs) if entry["peft_type"] == "LORA" else PromptTuningConfig(**kwargs)
    model = get_peft_model(base, config)
    # Random values for everything PEFT trains (lora_B starts at zero: a zero update checks nothing).
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for _, parameter in model.named_parameters():
            if parameter.requires_grad:
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.1)
    model.eval()
    model.save_pretrained(str(folder / entry["adapter"]))
    return model


def run_cli(cli, folder, args):
    done = subprocess.run(cli + args, cwd=str(folder), capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    lines = [l for l in done.stdout.splitlines() if l.startswith("{")]
    return json.loads(lines[-1])


def check_peft_made(folder, manifest, report, cli, print_commands):
    for entry in manifest["peftMade"]:
        model = make_peft_adapter(folder, manifest, entry)
        if print_commands:
            report.line("SKIP", f"peft-made {entry['name']}", None, f"wrote {entry['adapter']}; run in {folder}: {shlex.join(cli + entry['args'])}")
            continue
        try:
            ours = run_cli(cli, folder, entry["args"])
        except Exception as error:  # our CLI refused or crashed: that is the finding
            report.line("FAIL", f"peft-made {entry['name']}", None, str(error))
            continue
        task = "classify" if entry["task_type"] == "SEQ_CLS" else "lm"
        compare_forward(report, f"peft-made {entry['name']}", model, entry["family"], task, folder, entry["input"], ours, manifest["tolerance"])


# ---------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", help="the folder npm run check:hf:prepare wrote")
    parser.add_argument("--cli", help="command that runs our CLI (default: <repo>/node_modules/.bin/tsx <repo>/src/cli/main.ts)")
    parser.add_argument("--print-commands", action="store_true", help="write PEFT's adapters but only print the CLI commands that load them")
    parser.add_argument("--tolerance", type=float, help="override the manifest's largest allowed |difference|")
    args = parser.parse_args()

    folder = Path(args.folder).resolve()
    manifest_file = folder / "manifest.json"
    if not manifest_file.exists():
        sys.exit(f"error: {manifest_file} not found; run `npm run check:hf:prepare -- --out {args.folder}` first")
    manifest = json.loads(manifest_file.read_text())
    if manifest.get("version") != 1:
        sys.exit(f"error: {manifest_file}: manifest version {manifest.get('version')!r}, this script reads version 1")
    if args.tolerance is not None:
        manifest["tolerance"] = args.tolerance

    absent = missing(LIBRARIES)
    if absent:
        print(f"missing Python libraries: {', '.join(absent)} (pip install {' '.join(absent)}); the checks that need them are skipped", flush=True)
    else:
        import peft
        import safetensors
        import torch
        import transformers

        print(f"torch {torch.__version__}, transformers {transformers.__version__}, peft {peft.__version__}, safetensors {safetensors.__version__}", flush=True)

    cli = shlex.split(args.cli) if args.cli else default_cli(manifest["repo"])
    report = Report()
    sections = [
        ("files", lambda: check_files(folder, manifest, report), len(manifest["checkpoints"]) + len(manifest["ourAdapters"])),
        ("forward", lambda: check_forward(folder, manifest, report), len(manifest["forward"])),
        ("ours", lambda: check_ours(folder, manifest, report), len(manifest["ourAdapters"])),
        ("peft-made", lambda: check_peft_made(folder, manifest, report, cli, args.print_commands), len(manifest["peftMade"])),
    ]
    for section, run, count in sections:
        needs = missing(NEEDS[section])
        if needs:
            report.line("SKIP", f"{section} ({count} checks)", None, f"needs {', '.join(needs)}")
            continue
        run()

    print(f"{report.failed} failed, {report.skipped} skipped", flush=True)
    if report.failed:
        sys.exit(1)
    if absent or report.skipped:
        sys.exit(2)


if __name__ == "__main__":
    main()
