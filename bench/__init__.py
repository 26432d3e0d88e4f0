"""The benchmark suite of the flowscale SDK (run it with `scripts/bench`).

Every case measures the SDK against a baseline in the same run, on loopback only, with a
local Flowscale server in a separate process so the client's figures are its own.
"""
