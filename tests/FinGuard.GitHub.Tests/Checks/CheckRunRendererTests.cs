using System.Collections.Immutable;
using FinGuard.Core.Results;
using FinGuard.GitHub.Checks;

namespace FinGuard.GitHub.Tests.Checks;

public sealed class CheckRunRendererTests
{
    private static ControlResult Failing(int details) => new()
    {
        Id = "signed-commits",
        Name = "Signed commits",
        Status = ControlStatus.Fail,
        Summary = "1 of 2 commits is not signed with a verified signature.",
        Details = [.. Enumerable.Range(0, details).Select(i => new ResultDetail($"c{i:D6}", i != 0, i == 0 ? "Not verified: `unsigned` — the commit has no signature (Fix | pipes)" : "Verified signature (valid) — ok"))],
        HowToFix = "`unsigned`: configure commit signing.",
    };

    [Fact]
    public void Failing_result_renders_table_details_and_fix()
    {
        var result = EvaluationResult.FromControls([Failing(2)]);

        var output = CheckRunRenderer.Render(result, "octo/payments/000000000001.json");

        Assert.Equal("1 of 1 control failing", output.Title);
        Assert.Equal(
            """
            ❌ This pull request does not meet the change-management policy yet. Each failing control says what is wrong and how to fix it.

            | Control | Status | Why | How to fix |
            |---|---|---|---|
            | Signed commits (`signed-commits`) | ❌ fail | 1 of 2 commits is not signed with a verified signature. | `unsigned`: configure commit signing. |

            Evidence: `octo/payments/000000000001.json`

            """.ReplaceLineEndings("\n"),
            output.Summary.ReplaceLineEndings("\n"));
        Assert.Equal(
            """
            ### ❌ fail Signed commits
            1 of 2 commits is not signed with a verified signature.

            - ❌ `c000000` Not verified: `unsigned` — the commit has no signature (Fix | pipes)
            - `c000001` Verified signature (valid) — ok

            **How to fix**

            `unsigned`: configure commit signing.


            """.ReplaceLineEndings("\n"),
            output.Text.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void A_fact_that_does_not_block_is_never_marked_as_a_pass()
    {
        var control = new ControlResult
        {
            Id = "separation-of-duties",
            Name = "Separation of duties",
            Status = ControlStatus.Pending,
            Summary = "1 of 2 approvals.",
            Details =
            [
                new ResultDetail("dev-alice", true, "cannot approve: opened this pull request"),
                new ResultDetail("dev-bob", false, "approval of an older head (1a2b3c4) does not count"),
            ],
        };

        var text = CheckRunRenderer.Render(EvaluationResult.FromControls([control]), null).Text.ReplaceLineEndings("\n");

        Assert.Contains("\n- `dev-alice` cannot approve: opened this pull request\n", text, StringComparison.Ordinal);
        Assert.Contains("\n- ❌ `dev-bob` approval of an older head", text, StringComparison.Ordinal);
        Assert.DoesNotContain("✅", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Pipes_in_table_cells_are_escaped()
    {
        var control = Failing(1) with { Summary = "a | b" };

        var output = CheckRunRenderer.Render(EvaluationResult.FromControls([control]), null);

        Assert.Contains("a \\| b", output.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Output_over_githubs_limit_is_truncated_and_says_so()
    {
        var result = EvaluationResult.FromControls([Failing(3000)]);

        var output = CheckRunRenderer.Render(result, null);

        Assert.Equal(CheckRunRenderer.MaxFieldLength, output.Text.Length);
        Assert.EndsWith("The full result is in the evidence record.", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Passing_result_is_success()
    {
        var pass = new ControlResult { Id = "signed-commits", Name = "Signed commits", Status = ControlStatus.Pass, Summary = "All 2 commits have verified signatures." };

        var result = EvaluationResult.FromControls(ImmutableArray.Create(pass));

        Assert.Equal(Conclusion.Success, result.Conclusion);
        Assert.Equal("success", CheckRunRenderer.ConclusionName(result.Conclusion));
        Assert.StartsWith("✅", CheckRunRenderer.Render(result, null).Summary, StringComparison.Ordinal);
    }
}
