"""Recurrent cache for xLSTM: one (C, N, M) state per block plus the token offset."""

import mlx.core as mx


class XLSTMCache:
    """Holds each block's mLSTM state; ``None`` until the block has seen a token.

    ``offset`` counts the tokens consumed so far (the recurrent state needs no
    positions, but generation reports and tests use it).
    """

    def __init__(self, num_blocks: int):
        self.states: list[tuple[mx.array, mx.array, mx.array] | None] = [
            None
        ] * num_blocks
        self.offset = 0

    def __getitem__(self, idx: int):
        return self.states[idx]

    def __setitem__(self, idx: int, state):
        self.states[idx] = state

    def __len__(self) -> int:
        return len(self.states)

    @property
    def ready(self) -> bool:
        """True once every block holds a state (after the first forward pass)."""
        return all(state is not None for state in self.states)

    @property
    def arrays(self) -> list[mx.array]:
        """All state arrays, flat: ``[C0, N0, M0, C1, ...]``."""
        return [a for state in self.states if state is not None for a in state]

    def set_arrays(self, arrays: list[mx.array]) -> None:
        """Inverse of :attr:`arrays`."""
        self.states = [tuple(arrays[i : i + 3]) for i in range(0, len(arrays), 3)]
