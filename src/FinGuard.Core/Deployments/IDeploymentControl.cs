using FinGuard.Core.Policy;
using FinGuard.Core.Results;

namespace FinGuard.Core.Deployments;

/// <summary>Everything a deployment control may look at: facts, the resolved policy and the evaluation time.</summary>
/// <param name="Deployment">The deployment's facts.</param>
/// <param name="Policy">The repository's resolved policy (read from its default branch).</param>
/// <param name="EvaluatedAt">The evaluation time; never a clock.</param>
public sealed record DeploymentContext(DeploymentSnapshot Deployment, FinGuardPolicy Policy, DateTimeOffset EvaluatedAt)
{
    /// <summary>The settings of the environment being deployed to.</summary>
    public EnvironmentDeploymentPolicy Environment => Policy.Deployments.For(Deployment.Environment);
}

/// <summary>A deployment gate control: a pure function of the deployment context.</summary>
public interface IDeploymentControl
{
    /// <summary>Stable id used in evidence and the decision comment, e.g. <c>chain-of-custody</c>.</summary>
    string Id { get; }

    string Name { get; }

    ControlResult Evaluate(DeploymentContext context);
}
