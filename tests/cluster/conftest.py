"""One Dask LocalCluster for the whole directory: 2 worker processes, 1 thread each, on
loopback; its start (about 3 s, two processes importing the simulator) is paid once."""

import pytest

distributed = pytest.importorskip("distributed", reason="tests/cluster need dask[distributed]")


@pytest.fixture(scope="session")
def cluster():
    with distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=":0",  # any free port (None still takes 8787, which may be taken)
    ) as local:
        yield local


@pytest.fixture(scope="session")
def client(cluster):
    with distributed.Client(cluster, set_as_default=False) as connected:
        connected.wait_for_workers(2, timeout=60)
        yield connected
