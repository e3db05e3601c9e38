using FinGuard.Core.Results;
using FinGuard.Core.Scans;

namespace FinGuard.Core.Deployments;

/// <summary>
/// <c>scan-status</c> for a deployment: the same control as for pull requests (<see cref="ScanStatusControl"/>, the
/// policy's <c>scan-status</c> section), judged on the <b>deployed</b> commit — its required check runs and scanner
/// output. A deployed commit without results waits (the gate decides again when a scan completes on it); failing
/// scans reject the deployment.
/// </summary>
public sealed class DeploymentScanStatusControl : IDeploymentControl
{
    public string Id => ScanStatusControl.ControlId;

    public string Name => "Security scans";

    public ControlResult Evaluate(DeploymentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ScanStatusControl.Evaluate(context.Policy.ScanStatus, context.Deployment.Scans, context.Deployment.Sha, context.EvaluatedAt);
    }
}
