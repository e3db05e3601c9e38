using FinGuard.Core.Controls;
using FinGuard.Core.Policy;
using FinGuard.Core.Results;

namespace FinGuard.Core.Tests.Controls;

public sealed class SignedCommitsControlTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static ControlResult Evaluate(SnapshotBuilder builder, FinGuardPolicy? policy = null) =>
        new SignedCommitsControl().Evaluate(new EvaluationContext(builder.Build(), policy ?? FinGuardPolicy.Default, At));

    [Fact]
    public void All_commits_verified_passes_and_lists_each_commit()
    {
        var result = Evaluate(new SnapshotBuilder().Commits(3, verified: true));

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.Equal("All 3 commits have verified signatures.", result.Summary);
        Assert.Equal(3, result.Details.Length);
        Assert.All(result.Details, d => Assert.True(d.Ok));
        Assert.Null(result.HowToFix);
        Assert.Empty(result.Reasons);
    }

    [Theory]
    [InlineData("unsigned", "the commit has no signature", "commit.gpgsign")]
    [InlineData("unknown_key", "not registered on any GitHub account", "signing* key")]
    [InlineData("unverified_email", "not verified on the signer's GitHub account", "git config user.email")]
    [InlineData("expired_key", "has expired", "extend the key's expiry")]
    [InlineData("gpgverify_unavailable", "verification service failed", "re-run FinGuard")]
    [InlineData("some_future_reason", "GitHub did not verify the signature", "re-sign the commit")]
    public void An_unverified_commit_fails_with_its_reason_and_a_fix(string reason, string explanation, string fix)
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true).Commit(false, reason, "Add ledger export"));

        Assert.Equal(ControlStatus.Fail, result.Status);
        Assert.Equal("1 of 2 commits is not signed with a verified signature.", result.Summary);
        var failing = Assert.Single(result.Details, d => !d.Ok);
        Assert.Contains($"`{reason}`", failing.Message, StringComparison.Ordinal);
        Assert.Contains(explanation, failing.Message, StringComparison.Ordinal);
        Assert.Contains("Add ledger export", failing.Message, StringComparison.Ordinal);
        Assert.Contains(fix, result.HowToFix, StringComparison.Ordinal);
        Assert.Single(result.Reasons);
    }

    [Fact]
    public void Verified_false_fails_even_when_reason_claims_valid()
    {
        var builder = new SnapshotBuilder().Commit(false, "valid");

        var result = Evaluate(builder);

        Assert.Equal(ControlStatus.Fail, result.Status);
    }

    [Fact]
    public void More_than_250_commits_fails_closed_with_explicit_message()
    {
        var result = Evaluate(new SnapshotBuilder().ReportedCount(251));

        Assert.Equal(ControlStatus.Error, result.Status);
        Assert.Contains("251 commits", result.Summary, StringComparison.Ordinal);
        Assert.Contains("at most 250", result.Summary, StringComparison.Ordinal);
        Assert.NotNull(result.HowToFix);
    }

    [Fact]
    public void Exactly_250_verified_commits_pass()
    {
        var result = Evaluate(new SnapshotBuilder().Commits(250, verified: true));

        Assert.Equal(ControlStatus.Pass, result.Status);
    }

    [Fact]
    public void Fewer_listed_commits_than_reported_fails_closed()
    {
        var result = Evaluate(new SnapshotBuilder().Commits(2, verified: true).ReportedCount(3));

        Assert.Equal(ControlStatus.Error, result.Status);
        Assert.Contains("reported 3 commits but listed only 2", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Disabled_by_policy_is_skipped()
    {
        var policy = FinGuardPolicy.Default with { SignedCommits = new SignedCommitsPolicy { Enabled = false } };

        var result = Evaluate(new SnapshotBuilder().Commit(false, "unsigned"), policy);

        Assert.Equal(ControlStatus.Skipped, result.Status);
    }

    [Fact]
    public void Evaluator_concludes_failure_with_title_and_reason_code()
    {
        var snapshot = new SnapshotBuilder().Commit(false, "unsigned").Build();

        var result = PolicyEvaluator.Evaluate(snapshot, FinGuardPolicy.Default, At);

        Assert.Equal(Conclusion.Failure, result.Conclusion);
        Assert.Equal("1 of 1 control failing", result.Title);
        Assert.Equal("signed-commits:fail", result.ReasonCode);
    }

    [Fact]
    public void Evaluator_concludes_success_when_all_pass()
    {
        var snapshot = new SnapshotBuilder().Commits(2, verified: true).Build();

        var result = PolicyEvaluator.Evaluate(snapshot, FinGuardPolicy.Default, At);

        Assert.Equal(Conclusion.Success, result.Conclusion);
        Assert.Equal("all-controls-passed", result.ReasonCode);
    }
}
