"""Unicharset and starter traineddata (tesstrain's "proto model").

From scratch: the unicharset of the ground truth. Fine-tuning: that unicharset merged into
the START_MODEL's, so characters the start model knows stay and new ones are added.
``combine_lang_model`` then packs unicharset, recoder and (optional) dictionaries.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from trainer import dictionaries
from trainer.dataset import Sample
from trainer.tools import TesskitError, find_tool, run, tool_env

#: tesstrain's default network for training from scratch; ``###`` becomes the unicharset size.
DEFAULT_NET_SPEC = "[1,36,0,1 Ct3,3,16 Mp3,3 Lfys48 Lfx96 Lrx96 Lfx256 O1c###]"


@dataclass(frozen=True)
class StarterFiles:
    unicharset: Path
    traineddata: Path
    start_lstm: Path | None
    start_traineddata: Path | None
    #: combine_lang_model option (words/puncs/numbers) -> the list the dictionary came from.
    dictionaries: dict[str, Path]


def resolve_langdata(explicit: Path | None, tessdata: Path) -> Path:
    """The langdata dir (``radical-stroke.txt`` + script unicharsets) combine_lang_model needs."""
    candidates = [explicit] if explicit else []
    if os.environ.get("TESSKIT_LANGDATA"):
        candidates.append(Path(os.environ["TESSKIT_LANGDATA"]))
    candidates += [tessdata / "langdata", tessdata.parent / "langdata"]
    for candidate in candidates:
        if candidate and (candidate / "radical-stroke.txt").is_file():
            return candidate.resolve()
    raise TesskitError(
        "langdata with radical-stroke.txt not found (combine_lang_model cannot run without it)",
        "provision with the tessdata role (installs $TESSDATA_PREFIX/langdata), set "
        "TESSKIT_LANGDATA, or pass --langdata DIR holding radical-stroke.txt from "
        "https://github.com/tesseract-ocr/langdata_lstm",
    )


def unicharset_size(unicharset: Path) -> int:
    return int(unicharset.read_text(encoding="utf-8").split("\n", 1)[0].strip())


def net_spec_for(spec: str, unicharset: Path) -> str:
    return spec.replace("###", str(unicharset_size(unicharset)))


# Longer than 60 lines: four tool calls, each on the one before's output, read best in order.
def build_starter(
    starter_dir: Path,
    model_name: str,
    samples: Sequence[Sample],
    start_model: Path | None,
    langdata: Path,
    tessdata: Path,
    norm_mode: int = 1,
    user_lists: dictionaries.UserLists | None = None,
    recoder_args: Sequence[str] = (),
    new_output_layer: bool = False,
) -> StarterFiles:
    """Write unicharset and ``MODEL.traineddata`` into ``starter_dir`` (regenerated each run).

    The start model's dictionaries are carried over and ``user_lists`` added, unless
    ``user_lists.enabled`` is false. ``recoder_args`` go to combine_lang_model (RTL and
    Indic: trainer.scripts). With ``new_output_layer`` (layer training) the unicharset is the
    ground truth's alone: the start model's output layer, the only use of its characters, is
    replaced, so they would add untrained classes.
    """
    user_lists = user_lists or dictionaries.UserLists()
    starter_dir.mkdir(parents=True, exist_ok=True)
    env = tool_env(tessdata)
    all_gt = starter_dir / "all-gt.txt"
    all_gt.write_text("".join(sorted({s.text() + "\n" for s in samples})), encoding="utf-8")
    own = starter_dir / "gt.unicharset"
    run(
        [
            find_tool("unicharset_extractor"),
            "--output_unicharset",
            own,
            "--norm_mode",
            str(norm_mode),
            all_gt,
        ],
        cwd=starter_dir,
        env=env,
    )
    unicharset = starter_dir / "unicharset"
    start_lstm = None
    start_lists: dict[str, Path] = {}
    if start_model is not None:
        prefix = starter_dir / "start"
        run([find_tool("combine_tessdata"), "-u", start_model, f"{prefix}."], env=env)
        start_lstm = Path(f"{prefix}.lstm")
        start_unicharset = Path(f"{prefix}.lstm-unicharset")
        if not start_lstm.is_file() or not start_unicharset.is_file():
            raise TesskitError(f"{start_model} has no LSTM model to fine-tune")
        if new_output_layer:
            unicharset.write_bytes(own.read_bytes())
        else:
            run([find_tool("merge_unicharsets"), start_unicharset, own, unicharset], env=env)
        if user_lists.enabled:
            start_lists = dictionaries.start_model_lists(prefix, starter_dir, tessdata)
    else:
        unicharset.write_bytes(own.read_bytes())
    lists = dictionaries.merged_lists(start_lists, user_lists, starter_dir)
    run(
        [
            find_tool("combine_lang_model"),
            "--input_unicharset",
            unicharset,
            "--script_dir",
            langdata,
            "--output_dir",
            starter_dir,
            "--lang",
            model_name,
            *(arg for kind, path in lists.items() for arg in (f"--{kind}", path)),
            *recoder_args,
        ],
        env=env,
        timeout=1800,
    )
    traineddata = starter_dir / model_name / f"{model_name}.traineddata"
    if not traineddata.is_file():
        raise TesskitError(f"combine_lang_model wrote no {traineddata}")
    return StarterFiles(unicharset, traineddata, start_lstm, start_model, lists)
