using FinGuard.Core.Deployments;
using FinGuard.Core.Results;

namespace FinGuard.Core.Tests.Deployments;

public sealed class WaitTimerControlTests
{
    private static readonly DateTimeOffset Created = DeploymentBuilder.At.AddMinutes(-10);

    private static readonly EnvironmentDeploymentPolicy ThirtyMinutes = new() { Name = "production", WaitTimer = TimeSpan.FromMinutes(30) };

    private static ControlResult Evaluate(DateTimeOffset? createdAt, EnvironmentDeploymentPolicy? environment, DateTimeOffset at) =>
        new WaitTimerControl().Evaluate(DeploymentBuilder.Context(
            new DeploymentBuilder().Build() with { RequestedAt = createdAt },
            environment is null ? null : DeploymentBuilder.With(environment),
            at));

    [Fact]
    public void An_environment_without_a_wait_timer_skips_it()
    {
        var result = Evaluate(Created, null, DeploymentBuilder.At);

        Assert.Equal(ControlStatus.Skipped, result.Status);
        Assert.Equal("production has no wait timer.", result.Summary);
    }

    [Fact]
    public void Before_the_end_it_waits_saying_until_when()
    {
        var result = Evaluate(Created, ThirtyMinutes, DeploymentBuilder.At);

        Assert.Equal(ControlStatus.Pending, result.Status);
        Assert.Equal("Waits until 2026-11-24 10:20:00 UTC: production has a 30m wait timer from the deployment's creation at 2026-11-24 09:50:00 UTC.", result.Summary);
        Assert.Equal(Created.AddMinutes(30), WaitTimerControl.Due(new DeploymentBuilder().Build() with { RequestedAt = Created }, ThirtyMinutes));
    }

    [Fact]
    public void It_passes_from_the_end_on_and_not_a_tick_before()
    {
        Assert.Equal(ControlStatus.Pending, Evaluate(Created, ThirtyMinutes, Created.AddMinutes(30).AddTicks(-1)).Status);
        var result = Evaluate(Created, ThirtyMinutes, Created.AddMinutes(30));

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.Equal("The 30m wait timer of production ended at 2026-11-24 10:20:00 UTC.", result.Summary);
    }

    [Fact]
    public void An_unknown_creation_time_fails_closed_instead_of_starting_the_timer_when_FinGuard_looked()
    {
        var result = Evaluate(null, ThirtyMinutes, DeploymentBuilder.At.AddDays(40));

        Assert.Equal(ControlStatus.Error, result.Status);
        Assert.Contains("GitHub did not say when this deployment was created", result.Summary, StringComparison.Ordinal);
        Assert.NotNull(result.HowToFix);
        Assert.Null(WaitTimerControl.Due(new DeploymentBuilder().Build() with { RequestedAt = null }, ThirtyMinutes));
    }

    [Fact]
    public void A_waiting_timer_makes_an_otherwise_approvable_deployment_wait_and_a_failing_control_still_rejects_at_once()
    {
        var policy = DeploymentBuilder.With(ThirtyMinutes with { RequiredApprovals = 0 });
        var approvable = new DeploymentBuilder().Build() with { RequestedAt = Created };

        Assert.Equal(DeploymentVerdict.Waiting, DeploymentEvaluator.VerdictOf(DeploymentEvaluator.Evaluate(approvable, policy, DeploymentBuilder.At)));
        Assert.Equal(DeploymentVerdict.Approved, DeploymentEvaluator.VerdictOf(DeploymentEvaluator.Evaluate(approvable, policy, Created.AddMinutes(31))));
        var wrongBranch = new DeploymentBuilder().From(DeployedRefKind.Branch, "feature/x").Build() with { RequestedAt = Created };
        Assert.Equal(DeploymentVerdict.Rejected, DeploymentEvaluator.VerdictOf(DeploymentEvaluator.Evaluate(wrongBranch, policy, DeploymentBuilder.At)));
    }
}
