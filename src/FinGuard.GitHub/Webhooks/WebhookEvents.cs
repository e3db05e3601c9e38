using System.Collections.Frozen;

namespace FinGuard.GitHub.Webhooks;

/// <summary>
/// The <c>X-GitHub-Event</c> names FinGuard parses. Deliveries of any other event are acknowledged and ignored.
/// </summary>
public static class WebhookEvents
{
    public const string Ping = "ping";
    public const string Installation = "installation";
    public const string InstallationRepositories = "installation_repositories";
    public const string PullRequest = "pull_request";
    public const string PullRequestReview = "pull_request_review";
    public const string CheckRun = "check_run";
    public const string CheckSuite = "check_suite";
    public const string WorkflowRun = "workflow_run";
    public const string DeploymentProtectionRule = "deployment_protection_rule";
    public const string DeploymentReview = "deployment_review";
    public const string MergeGroup = "merge_group";
    public const string Push = "push";
    public const string DeploymentStatus = "deployment_status";

    /// <summary>Every supported event name (ordinal, case-sensitive: GitHub sends them in lower case).</summary>
    public static FrozenSet<string> Supported { get; } = FrozenSet.Create(
        StringComparer.Ordinal,
        Ping,
        Installation,
        InstallationRepositories,
        PullRequest,
        PullRequestReview,
        CheckRun,
        CheckSuite,
        WorkflowRun,
        DeploymentProtectionRule,
        DeploymentReview,
        MergeGroup,
        Push,
        DeploymentStatus);
}
