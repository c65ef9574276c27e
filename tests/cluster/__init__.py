"""Campaigns on a real Dask cluster: a LocalCluster of 2 worker processes on loopback."""
