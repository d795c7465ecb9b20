"""Named seed streams: every stream of a frame is its own generator, the numbers never
change (datasets of every version alike), and a frame depends on its index only."""
import numpy as np

from synthrm.seeds import Stream, derive_seed, frame_seed, scene_seed, stream


def test_stream_numbers_are_fixed():
    # the keys the datasets were made with since the first schema; changing one changes every dataset
    assert [Stream.FRAME, Stream.SCENE, Stream.POSE, Stream.RGB, Stream.RADIO, Stream.VARIATION,
            Stream.SENSOR_NOISE, Stream.SPLIT, Stream.TRACK] == list(range(9))
    assert Stream.INDOOR_TX == Stream.VARIATION
    assert frame_seed(7, 3) == derive_seed(7, 3, 0) and scene_seed(7, 3) == derive_seed(7, 3, 1)
    assert stream(frame_seed(7, 3), Stream.RADIO) == derive_seed(derive_seed(7, 3, 0), 4)


def test_streams_are_distinct_and_63_bit():
    s = frame_seed(0, 0)
    seeds = {stream(s, k) for k in Stream}
    assert len(seeds) == len(set(Stream))  # INDOOR_TX is an alias, not a stream of its own
    assert all(0 <= v < 2 ** 63 for v in seeds)
    a = np.random.default_rng(stream(s, Stream.POSE)).random(4)
    b = np.random.default_rng(stream(s, Stream.RGB)).random(4)
    assert not np.allclose(a, b)


def test_a_frame_depends_on_its_index_only():
    assert frame_seed(5, 10) == frame_seed(5, 10)
    assert len({frame_seed(5, i) for i in range(1000)}) == 1000
    assert frame_seed(5, 10) != frame_seed(6, 10)
