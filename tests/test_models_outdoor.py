"""The outdoor baselines train end to end on a tiny problem and round-trip a checkpoint."""
import io

import pytest
import torch

from synthrm.models.outdoor import PMNetS, RadioUNetS, UNetDCNS

#: the network classes behind the registry's outdoor builders
MODELS = {"radiounet-s": RadioUNetS, "pmnet-s": PMNetS, "unetdcn-s": UNetDCNS}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_learns_a_tiny_problem_and_round_trips(name):
    torch.manual_seed(0)
    b, tx_dim = 4, 8
    model = MODELS[name](in_ch=3, tx_dim=tx_dim, **({"width": 8} if name == "pmnet-s" else {"widths": (8, 8, 16, 16, 16)}))
    img = torch.rand(b, 3, 32, 32)
    tx = torch.rand(b, tx_dim)
    # the target depends on the image and on the Tx vector (a fusion must carry it)
    target = 0.5 * img.mean(1, keepdim=True) + 0.5 * tx[:, :1, None, None].expand(-1, 1, 32, 32)
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(img, tx), target)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    buf.seek(0)
    again = MODELS[name](in_ch=3, tx_dim=tx_dim, **({"width": 8} if name == "pmnet-s" else {"widths": (8, 8, 16, 16, 16)}))
    again.load_state_dict(torch.load(buf))
    model.eval()
    again.eval()
    assert torch.allclose(model(img, tx), again(img, tx))


def test_bad_inputs_are_clear_errors():
    m = MODELS["radiounet-s"](in_ch=3, tx_dim=8, widths=(8, 8, 8, 8, 8))
    with pytest.raises(ValueError, match="multiples of 16"):
        m(torch.rand(1, 3, 30, 32), torch.rand(1, 8))
    with pytest.raises(ValueError, match="tx vector must be"):
        m(torch.rand(1, 3, 32, 32), torch.rand(1, 5))
    x = torch.rand(1, 3, 32, 32)
    x[0, 0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        m(x, torch.rand(1, 8))
