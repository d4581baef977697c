import pytest

from judge.verdict import ORDER, Facts, decide


def test_order_is_the_design_table():
    assert ORDER == ("internal_error", "invalid_submission", "compilation_error", "time_limit_exceeded",
                     "memory_limit_exceeded", "runtime_error", "accepted", "partial", "wrong_answer")


@pytest.mark.parametrize("score,verdict", [(100.0, "accepted"), (50.0, "partial"), (0.01, "partial"),
                                           (0.0, "wrong_answer")])
def test_score_verdicts(score, verdict):
    assert decide(Facts(score=score)) == verdict


def test_first_condition_wins():
    every = Facts(internal_error="x", invalid="x", compile_error="x", timed_out="x", memory="x",
                  crashed="x", score=100)
    got = []
    fields = ["internal_error", "invalid", "compile_error", "timed_out", "memory", "crashed"]
    for f in fields:
        got.append(decide(every))
        setattr(every, f, None)
    got.append(decide(every))
    assert got == list(ORDER[:7])


def test_timeout_beats_a_full_score():
    assert decide(Facts(timed_out="wall", score=100)) == "time_limit_exceeded"
