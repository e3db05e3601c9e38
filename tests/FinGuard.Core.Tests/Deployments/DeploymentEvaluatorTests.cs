using FinGuard.Core.Deployments;
using FinGuard.Core.Policy;
using FinGuard.Core.Tests.Controls;

namespace FinGuard.Core.Tests.Deployments;

public sealed class DeploymentEvaluatorTests
{
    [Fact]
    public void Every_control_runs_in_order()
    {
        Assert.Equal<string>(["chain-of-custody", "deployment-separation-of-duties", "allowed-refs", "scan-status", "freeze-window", "wait-timer"], DeploymentEvaluator.ControlIds);
    }

    [Fact]
    public void A_reviewed_merged_change_deployed_and_approved_by_others_is_approved()
    {
        var result = DeploymentEvaluator.Evaluate(new DeploymentBuilder().ApprovedBy(People.Carol, People.Erin).Build(), FinGuardPolicy.Default, DeploymentBuilder.At);

        Assert.Equal(DeploymentVerdict.Approved, DeploymentEvaluator.VerdictOf(result));
        Assert.Equal("Deployment of d0d0d0d to production approved: all 3 controls passing", result.Title);
        Assert.Equal("all-controls-passed", result.ReasonCode);
    }

    [Fact]
    public void Missing_approvals_alone_make_it_wait()
    {
        var result = DeploymentEvaluator.Evaluate(new DeploymentBuilder().Build(), FinGuardPolicy.Default, DeploymentBuilder.At);

        Assert.Equal(DeploymentVerdict.Waiting, DeploymentEvaluator.VerdictOf(result));
        Assert.Equal("deployment-separation-of-duties:pending", result.ReasonCode);
    }

    [Fact]
    public void A_failure_rejects_at_once_even_while_approvals_are_missing()
    {
        var result = DeploymentEvaluator.Evaluate(new DeploymentBuilder().From(DeployedRefKind.Branch, "feature/x").Build(), FinGuardPolicy.Default, DeploymentBuilder.At);

        Assert.Equal(DeploymentVerdict.Rejected, DeploymentEvaluator.VerdictOf(result));
        Assert.Equal("deployment-separation-of-duties:pending+allowed-refs:fail", result.ReasonCode);
        Assert.StartsWith("Deployment of d0d0d0d to production rejected", result.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void An_older_commit_than_the_last_approved_deployment_is_a_rollback_and_is_gated_the_same()
    {
        var previous = new PreviousDeployment("e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1", new EvidencePointer("octo/payments", 9, new string('e', 64), DeploymentBuilder.At.AddDays(-1)), IsAncestor: true);
        var snapshot = new DeploymentBuilder().Previous(previous).ApprovedBy(People.Carol, People.Erin).Build();

        var result = DeploymentEvaluator.Evaluate(snapshot, FinGuardPolicy.Default, DeploymentBuilder.At);

        Assert.True(snapshot.IsRollback);
        Assert.Equal(DeploymentVerdict.Approved, DeploymentEvaluator.VerdictOf(result));
        Assert.StartsWith("Rollback of d0d0d0d to production approved", result.Title, StringComparison.Ordinal);
        Assert.False(new DeploymentBuilder().Previous(previous with { IsAncestor = false }).Build().IsRollback);
        Assert.False(new DeploymentBuilder().Previous(previous with { IsAncestor = null }).Build().IsRollback);
    }

    [Fact]
    public void The_same_facts_give_the_same_result()
    {
        var snapshot = new DeploymentBuilder().ApprovedBy(People.Carol).Build();

        Assert.Equal(
            DeploymentEvaluator.Evaluate(snapshot, FinGuardPolicy.Default, DeploymentBuilder.At).ReasonCode,
            DeploymentEvaluator.Evaluate(snapshot, FinGuardPolicy.Default, DeploymentBuilder.At).ReasonCode);
    }
}
