import io

from streams.offline.progress import Progress


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_silent_when_not_on_a_terminal() -> None:
    out = io.StringIO()
    progress = Progress("backtest", stream=out)
    for i in range(0, 100_000, 4096):
        progress.update(i)
    progress.close()
    assert out.getvalue() == ""


def test_progress_draws_one_updating_line_on_a_terminal() -> None:
    out = FakeTerminal()
    progress = Progress("replay", total=1000, stream=out)
    progress.update(500)
    progress.close()
    text = out.getvalue()
    assert text.startswith("\rreplay [") and "50.0%" in text and text.endswith("\n")
