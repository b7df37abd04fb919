"""The session runner's threading rule in Jupyter, where JupyterLab sends each output's widget
messages on a kernel subshell (a thread with its own event loop) beside the cells' main loop:
a background thread's UI change must run on the thread that handles the widget messages, never
at the same time as it (a slider label was lost to that race)."""

import asyncio
import threading
import time

import pytest

from distviz.views.session import Session


class KernelThread:
    """A thread running its own event loop, as a kernel's main shell or a subshell does."""

    def __init__(self, name):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self.thread.start()

    def call(self, fn):
        """Run ``fn`` as a message handler on this thread; wait for it."""
        done = threading.Event()
        self.loop.call_soon_threadsafe(lambda: (fn(), done.set()))
        assert done.wait(10)

    def stop(self):
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def wait_until(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.fixture()
def kernel():
    """A 'cell' loop and a 'subshell' loop; the Session is made for the cell's."""
    cell, subshell = KernelThread("cell"), KernelThread("subshell")
    yield cell, subshell
    cell.stop()
    subshell.stop()


def where(seen, label):
    return lambda: seen.append((label, threading.current_thread().name))


def test_background_changes_join_the_thread_of_the_last_widget_message(kernel):
    cell, subshell = kernel
    session = Session(background=True, kernel=cell.loop)
    seen = []
    # Before any widget message: a background change goes to the cell's loop.
    threading.Thread(target=lambda: session.ui(where(seen, "early"))).start()
    wait_until(lambda: len(seen) == 1)
    # A widget message on the subshell runs its change there, inline...
    subshell.call(lambda: session.ui(where(seen, "widget")))
    # ... and from then on every background change runs on the subshell's thread too.
    workers = [threading.Thread(target=lambda k=k: session.ui(where(seen, f"bg{k}")))
               for k in range(5)]
    for worker in workers:
        worker.start()
    wait_until(lambda: len(seen) == 7)
    assert seen[0] == ("early", "cell")
    assert seen[1] == ("widget", "subshell")
    assert {thread for _, thread in seen[2:]} == {"subshell"}, seen


def test_a_waiting_cell_applies_the_changes_queued_for_it(kernel):
    cell, _subshell = kernel
    session = Session(background=True, kernel=cell.loop)
    seen = []
    job_done = threading.Event()

    def cell_waits():
        # The cell blocks its own loop: the job's change can only be applied by its wait().
        session.job(lambda: job_done.wait(5), done=lambda _: seen.append("done"),
                    failed=seen.append, name="job")
        job_done.set()
        session.wait(10)
        seen.append("waited")
    cell.call(cell_waits)
    assert seen == ["done", "waited"]


def test_batches_recompute_only_when_asked_and_may_overlap(monkeypatch):
    """A batch of data-only changes leaves the document's model graph alone; a batch that adds
    a model recomputes it once; batches that overlap (renders from two threads outside a
    server) end cleanly, the outermost one deciding."""
    import panel as pn
    from bokeh.document import Document
    from bokeh.models import ColumnDataSource

    column = pn.Column(pn.pane.Markdown("a"))
    doc = Document()
    doc.add_root(column.get_root(doc))
    calls = []
    original = doc.models.recompute
    monkeypatch.setattr(doc.models, "recompute", lambda: calls.append(1) or original())
    session = Session(background=False)
    with session.batch(column):
        column[0].object = "b"  # text only
    assert calls == []
    outer = session.batch(column)
    outer.__enter__()
    with session.batch(column):  # overlapping: ends first
        column.append(pn.pane.Markdown("new model"))
    assert calls == []  # the outer batch still holds the graph
    column[0].object = "c"
    outer.__exit__(None, None, None)
    assert calls == [1]
    # The document behaves as before: a new model outside a batch recomputes at once, and
    # Bokeh's own freeze recomputes once when it ends (no freeze was left behind).
    doc.add_root(ColumnDataSource({"x": [1]}))
    assert len(calls) == 2
    with doc.models.freeze():
        doc.add_root(ColumnDataSource({"x": [2]}))
        assert len(calls) == 2
    assert len(calls) == 3
