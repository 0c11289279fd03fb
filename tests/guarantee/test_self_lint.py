"""The linter's own default rule set passes on the model and on itself."""

from guarantee_helpers import REPO, run_emberlint


def test_emberlint_passes_on_xlstm_model_and_emberlint():
    result = run_emberlint("xlstm_model/", "emberlint/", cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All checks passed!" in result.stdout
