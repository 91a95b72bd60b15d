"""The model handed back: a checkpoint only when better than START_MODEL, and not by luck."""

from __future__ import annotations

from trainer.evaluate import Scores
from trainer.select import beats_start, best_checkpoint


def start_model(cer: float, chars: int = 400) -> Scores:
    return Scores(model="fra (start model)", cer=cer, wer=0.0, chars=chars, words=chars // 5)


def checkpoints(*cers: float) -> list[dict[str, object]]:
    return [
        {"checkpoint": f"m_{i * 100}.checkpoint", "iteration": i * 100, "cer": cer}
        for i, cer in enumerate(cers, start=1)
    ]


def handed_back(evals: list[dict[str, object]], start: Scores | None) -> bool:
    return beats_start(best_checkpoint(evals), start, evals)


def test_one_lucky_checkpoint_keeps_the_start_model() -> None:
    # print-uw3 at 40 lines (323 eval characters): START_MODEL 4 errors, one checkpoint 2,
    # the others 4-6; that checkpoint read 30 unseen lines at 0.46 % CER, START_MODEL 0.20 %.
    evals = checkpoints(1.5, 1.24, 1.5, 0.62, 1.5, 1.5, 1.5, 1.9, 1.5, 1.24)
    assert not handed_back(evals, start_model(1.24, chars=323))


def test_a_gain_most_checkpoints_share_is_handed_back() -> None:
    # type-bnf1984 at 40 lines: 22 errors against 17, small alone, but 9 of 10 checkpoints
    # are better; the checkpoint read 60 unseen lines at 6.86 % CER, START_MODEL 8.58 %.
    evals = checkpoints(5.6, 4.8, 5.1, 4.3, 4.3, 4.5, 4.8, 4.3, 4.3, 4.3)
    assert handed_back(evals, start_model(5.56, chars=396))


def test_a_clear_gain_is_handed_back_even_if_it_came_late() -> None:
    # 25 % -> 6 % on 400 characters (100 vs 24 errors), though the first checkpoints were worse.
    evals = checkpoints(40.0, 35.0, 30.0, 26.0, 20.0, 6.0)
    assert handed_back(evals, start_model(25.0))
    # The same late dip, small: 2 % -> 1 % is luck on 400 characters, a gain on 2000.
    late = checkpoints(3.0, 3.0, 2.5, 2.5, 2.0, 1.0)
    assert not handed_back(late, start_model(2.0, chars=400))
    assert handed_back(late, start_model(2.0, chars=2000))


def test_worse_equal_or_no_checkpoint_keeps_the_start_model() -> None:
    assert not handed_back(checkpoints(30.0, 28.0), start_model(25.0))
    assert not handed_back(checkpoints(0.0), start_model(0.0))
    assert not beats_start(None, start_model(25.0), [])


def test_without_a_start_model_the_best_checkpoint_is_handed_back() -> None:
    assert handed_back(checkpoints(90.0, 80.0), None)


def test_best_checkpoint_prefers_the_later_on_a_tie() -> None:
    evals = checkpoints(3.0, 2.0, 2.0)
    assert best_checkpoint(evals) == evals[2]
    assert best_checkpoint([]) is None
