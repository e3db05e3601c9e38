using System.Text.Json;
using System.Text.Json.Serialization;

namespace FinGuard.GitHub.Webhooks;

/// <summary>
/// <c>deployment_protection_rule</c>: a deployment to an environment guarded by FinGuard's custom protection rule
/// is waiting; FinGuard answers by POSTing to <see cref="DeploymentCallbackUrl"/>.
/// </summary>
public sealed record DeploymentProtectionRulePayload : WebhookPayload
{
    /// <summary>The environment being deployed to.</summary>
    public string? Environment { get; init; }

    /// <summary>The event that triggered the deployment, e.g. <c>push</c> or <c>pull_request</c>.</summary>
    public string? Event { get; init; }

    /// <summary>Where to approve or reject the deployment (<c>…/actions/runs/{run_id}/deployment_protection_rule</c>).</summary>
    public Uri? DeploymentCallbackUrl { get; init; }

    public WebhookDeployment? Deployment { get; init; }

    /// <summary>Pull requests associated with the deployment's ref (full pull request objects).</summary>
    public IReadOnlyList<WebhookPullRequest>? PullRequests { get; init; }
}

/// <summary>
/// <c>deployment_review</c>: a deployment waiting on required reviewers was requested, approved or rejected.
/// <c>requested</c> carries <see cref="WorkflowJobRun"/>; <c>approved</c>/<c>rejected</c> carry <see cref="WorkflowJobRuns"/>.
/// </summary>
public sealed record DeploymentReviewPayload : WebhookPayload
{
    public string? Environment { get; init; }

    /// <summary>On <c>approved</c>/<c>rejected</c>: who reviewed.</summary>
    public WebhookUser? Approver { get; init; }

    /// <summary>On <c>requested</c>: who caused the review request.</summary>
    public WebhookUser? Requestor { get; init; }

    public IReadOnlyList<WebhookDeploymentReviewer>? Reviewers { get; init; }

    /// <summary>Null when GitHub could not attach the run.</summary>
    public WebhookWorkflowRun? WorkflowRun { get; init; }

    public WebhookWorkflowJobRun? WorkflowJobRun { get; init; }

    public IReadOnlyList<WebhookWorkflowJobRun>? WorkflowJobRuns { get; init; }

    [JsonConverter(typeof(WebhookTimestampConverter))]
    public DateTimeOffset? Since { get; init; }

    /// <summary>On <c>approved</c>/<c>rejected</c>: the reviewer's comment.</summary>
    public string? Comment { get; init; }
}

/// <summary>A deployment.</summary>
public sealed record WebhookDeployment
{
    public required long Id { get; init; }

    public required string Sha { get; init; }

    /// <summary>The ref being deployed: a branch, tag or SHA.</summary>
    public string? Ref { get; init; }

    public string? Environment { get; init; }

    public string? OriginalEnvironment { get; init; }

    public bool? ProductionEnvironment { get; init; }

    public string? Task { get; init; }

    public WebhookUser? Creator { get; init; }

    [JsonConverter(typeof(WebhookTimestampConverter))]
    public DateTimeOffset? CreatedAt { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>A required reviewer of an environment: a user or a team.</summary>
public sealed record WebhookDeploymentReviewer
{
    /// <summary><c>User</c> or <c>Team</c>.</summary>
    public string? Type { get; init; }

    public WebhookDeploymentReviewerAccount? Reviewer { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>The user (<see cref="Login"/>) or team (<see cref="Slug"/>, <see cref="Name"/>) behind a <see cref="WebhookDeploymentReviewer"/>.</summary>
public sealed record WebhookDeploymentReviewerAccount
{
    public required long Id { get; init; }

    public string? Login { get; init; }

    public string? Slug { get; init; }

    public string? Name { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>The workflow job waiting on the environment.</summary>
public sealed record WebhookWorkflowJobRun
{
    public required long Id { get; init; }

    public string? Name { get; init; }

    public string? Status { get; init; }

    public string? Conclusion { get; init; }

    public string? Environment { get; init; }

    public Uri? HtmlUrl { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
