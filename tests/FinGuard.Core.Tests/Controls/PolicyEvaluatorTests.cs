using FinGuard.Core.Controls;
using FinGuard.Core.Policy;
using FinGuard.Core.Results;
using static FinGuard.Core.Tests.Controls.People;

namespace FinGuard.Core.Tests.Controls;

public sealed class PolicyEvaluatorTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static EvaluationResult Evaluate(SnapshotBuilder builder, FinGuardPolicy? policy = null) =>
        PolicyEvaluator.Evaluate(builder.Build(), policy ?? FinGuardPolicy.Default, At);

    [Fact]
    public void Controls_are_evaluated_in_order_with_stable_ids()
    {
        Assert.Equal<string>(["signed-commits", "separation-of-duties", "path-approvals", "scan-status", "freeze-window"], PolicyEvaluator.ControlIds);
        Assert.Equal("signed-commits", SignedCommitsControl.ControlId);
        Assert.Equal("separation-of-duties", SeparationOfDutiesControl.ControlId);

        var result = Evaluate(new SnapshotBuilder().Commit(true));

        Assert.Equal<string>(["signed-commits", "separation-of-duties", "path-approvals", "scan-status", "freeze-window"], result.Controls.Select(c => c.Id));
        Assert.Equal<string>(["Signed commits", "Separation of duties", "Code owners and approval rules", "Security scans", "Freeze window"], result.Controls.Select(c => c.Name));
    }

    [Fact]
    public void Unsigned_commit_concludes_failure_with_title_and_reason_code()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(false, "unsigned"));

        Assert.Equal(Conclusion.Failure, result.Conclusion);
        Assert.Equal("1 of 2 controls failing", result.Title);
        Assert.Equal("signed-commits:fail+separation-of-duties:pending", result.ReasonCode);
    }

    [Fact]
    public void Signed_and_approved_concludes_success()
    {
        var result = Evaluate(new SnapshotBuilder().Commits(2, verified: true).Approve(Alice, Bob));

        Assert.Equal(Conclusion.Success, result.Conclusion);
        Assert.Equal("All 2 controls passing", result.Title);
        Assert.Equal("all-controls-passed", result.ReasonCode);
    }

    [Fact]
    public void Missing_approvals_conclude_action_required_not_success()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true).Approve(Alice));

        Assert.Equal(Conclusion.ActionRequired, result.Conclusion);
        Assert.Equal("1 of 2 controls pending", result.Title);
        Assert.Equal("separation-of-duties:pending", result.ReasonCode);
    }

    public static TheoryData<string, string?, string[]> Covered => new()
    {
        { "main", "main", ["$default"] },
        { "main", "trunk", ["main"] },
        { "release/2026.11", "main", ["$default", "release/*"] },
        { "release/2026/hotfix", "main", ["release/**"] },
        { "main", null, ["main"] },
    };

    [Theory]
    [MemberData(nameof(Covered))]
    public void A_covered_base_branch_is_evaluated(string baseRef, string? defaultBranch, string[] branches)
    {
        var result = Evaluate(
            new SnapshotBuilder().Commit(false, "unsigned").Base(baseRef, defaultBranch),
            FinGuardPolicy.Default with { Branches = [.. branches] });

        Assert.Equal(Conclusion.Failure, result.Conclusion);
        Assert.Equal(ControlStatus.Fail, result.Controls[0].Status);
    }

    public static TheoryData<string, string?, string[], string> NotCovered => new()
    {
        { "develop", "main", ["$default"], "Base branch `develop` is not covered by this policy (branches: `$default` (main))." },
        { "main", null, ["$default"], "Base branch `main` is not covered by this policy (branches: `$default` (default branch unknown))." },
        { "release/2026/hotfix", "main", ["$default", "release/*"], "Base branch `release/2026/hotfix` is not covered by this policy (branches: `$default` (main), `release/*`)." },
        { "main", "main", [], "Base branch `main` is not covered by this policy (branches: none)." },
    };

    [Theory]
    [MemberData(nameof(NotCovered))]
    public void An_uncovered_base_branch_skips_every_control_and_succeeds(string baseRef, string? defaultBranch, string[] branches, string summary)
    {
        var result = Evaluate(
            new SnapshotBuilder().Commit(false, "unsigned").Base(baseRef, defaultBranch),
            FinGuardPolicy.Default with { Branches = [.. branches] });

        Assert.Equal(Conclusion.Success, result.Conclusion);
        Assert.Equal($"Base branch {baseRef} is not covered by this policy", result.Title);
        Assert.Equal("all-controls-passed", result.ReasonCode);
        Assert.Equal<string>(["signed-commits", "separation-of-duties", "path-approvals", "scan-status", "freeze-window"], result.Controls.Select(c => c.Id));
        Assert.All(result.Controls, c =>
        {
            Assert.Equal(ControlStatus.Skipped, c.Status);
            Assert.Equal(summary, c.Summary);
            Assert.Empty(c.Details);
            Assert.Null(c.HowToFix);
        });
    }

    [Fact]
    public void A_policy_without_a_branch_list_gets_the_default_branch()
    {
        var policy = FinGuardPolicy.Default with { Branches = default };

        var covered = Evaluate(new SnapshotBuilder().Commit(false, "unsigned"), policy);
        var uncovered = Evaluate(new SnapshotBuilder().Commit(false, "unsigned").Base("develop"), policy);

        Assert.Equal(Conclusion.Failure, covered.Conclusion);
        Assert.Equal(Conclusion.Success, uncovered.Conclusion);
    }

    [Fact]
    public void Every_control_disabled_concludes_success_with_no_controls_applying()
    {
        var policy = FinGuardPolicy.Default with
        {
            SignedCommits = new SignedCommitsPolicy { Enabled = false },
            SeparationOfDuties = new SeparationOfDutiesPolicy { Enabled = false },
        };

        var result = Evaluate(new SnapshotBuilder().Commit(false, "unsigned"), policy);

        Assert.Equal(Conclusion.Success, result.Conclusion);
        Assert.Equal("No controls apply", result.Title);
    }

    [Fact]
    public void Evaluation_is_pure_the_same_inputs_give_the_same_result()
    {
        var snapshot = new SnapshotBuilder().Commit(true).Approve(Alice).Build();

        var first = PolicyEvaluator.Evaluate(snapshot, FinGuardPolicy.Default, At);
        var second = PolicyEvaluator.Evaluate(snapshot, FinGuardPolicy.Default, At);

        Assert.Equal(first.Conclusion, second.Conclusion);
        Assert.Equal(first.Title, second.Title);
        Assert.Equal(first.Controls.Select(c => (c.Status, c.Summary, c.HowToFix)), second.Controls.Select(c => (c.Status, c.Summary, c.HowToFix)));
        Assert.Equal(first.Controls.SelectMany(c => c.Details), second.Controls.SelectMany(c => c.Details));
    }
}
