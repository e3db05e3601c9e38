using FinGuard.Core.Deployments;
using FinGuard.Core.Results;

namespace FinGuard.Core.Tests.Deployments;

public sealed class ChainOfCustodyControlTests
{
    private static ControlResult Evaluate(DeploymentBuilder builder, EnvironmentDeploymentPolicy? environment = null) =>
        new ChainOfCustodyControl().Evaluate(DeploymentBuilder.Context(builder.Build(), environment is null ? null : DeploymentBuilder.With(environment)));

    [Fact]
    public void The_merge_commit_of_a_passed_pull_request_passes_naming_it_and_its_evidence()
    {
        var result = Evaluate(new DeploymentBuilder());

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.Equal("chain-of-custody", result.Id);
        Assert.Equal("`d0d0d0d` is the merge commit of pull request #7, which FinGuard passed: evidence octo/payments#3.", result.Summary);
        var detail = Assert.Single(result.Details);
        Assert.True(detail.Ok);
        Assert.Equal("#7", detail.Subject);
    }

    [Fact]
    public void The_head_of_a_passed_pull_request_passes()
    {
        var result = Evaluate(new DeploymentBuilder().Decision(DeploymentBuilder.Passed(match: CustodyMatch.Head)));

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.Contains("is the head of pull request #7", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_commit_no_pull_request_vouches_for_fails_as_unreviewed()
    {
        var result = Evaluate(new DeploymentBuilder().Unmerged());

        Assert.Equal(ControlStatus.Fail, result.Status);
        Assert.Equal("`d0d0d0d` is not the head or merge commit of any pull request: nothing shows this change was reviewed.", result.Summary);
        Assert.NotNull(result.HowToFix);
    }

    [Fact]
    public void A_pull_request_whose_latest_decision_failed_does_not_vouch()
    {
        var failed = DeploymentBuilder.Passed() with { Verdict = "fail", ReasonCode = "separation-of-duties:pending" };

        var result = Evaluate(new DeploymentBuilder().Decision(failed));

        Assert.Equal(ControlStatus.Fail, result.Status);
        Assert.Equal("`d0d0d0d` comes from #7, but FinGuard has no passing decision for it.", result.Summary);
        Assert.Contains(result.Details, d => !d.Ok && d.Message.Contains("separation-of-duties:pending", StringComparison.Ordinal));
        Assert.Contains("require-pr-decision: evidence", result.HowToFix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pull_request_without_any_decision_is_named_as_such()
    {
        var undecided = DeploymentBuilder.Passed() with { Verdict = null, Evidence = null, ReasonCode = null };

        var result = Evaluate(new DeploymentBuilder().Decision(undecided));

        Assert.Equal(ControlStatus.Fail, result.Status);
        Assert.Contains("FinGuard has no decision about this head", Assert.Single(result.Details).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void One_passing_pull_request_among_several_is_enough()
    {
        var failed = DeploymentBuilder.Passed(number: 8) with { Verdict = "fail", ReasonCode = "signed-commits:fail" };

        var result = Evaluate(new DeploymentBuilder().Decision(failed).Decision(DeploymentBuilder.Passed(number: 9)));

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.Contains("#9", result.Summary, StringComparison.Ordinal);
        Assert.Equal([false, true], result.Details.Select(d => d.Ok));
    }

    [Fact]
    public void A_decision_made_at_deployment_time_says_so()
    {
        var now = DeploymentBuilder.Passed() with { EvaluatedNow = true };

        var result = Evaluate(new DeploymentBuilder().Decision(now), new EnvironmentDeploymentPolicy { Name = "production", RequirePullRequestDecision = PullRequestDecisionSource.EvaluateNow });

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.Contains("(evaluated at deployment time)", result.Summary, StringComparison.Ordinal);
    }
}
