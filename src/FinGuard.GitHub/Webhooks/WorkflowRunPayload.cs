using System.Text.Json;
using System.Text.Json.Serialization;

namespace FinGuard.GitHub.Webhooks;

/// <summary><c>workflow_run</c>: a GitHub Actions workflow run was requested, started or completed.</summary>
public sealed record WorkflowRunPayload : WebhookPayload
{
    public required WebhookWorkflowRun WorkflowRun { get; init; }

    public WebhookWorkflow? Workflow { get; init; }
}

/// <summary>A GitHub Actions workflow run.</summary>
public sealed record WebhookWorkflowRun
{
    public required long Id { get; init; }

    public required string HeadSha { get; init; }

    public string? Name { get; init; }

    public string? HeadBranch { get; init; }

    /// <summary>The event that triggered the run, e.g. <c>push</c> or <c>pull_request</c>.</summary>
    public string? Event { get; init; }

    public string? Status { get; init; }

    public string? Conclusion { get; init; }

    public int? RunAttempt { get; init; }

    public long? RunNumber { get; init; }

    public long? WorkflowId { get; init; }

    /// <summary>The workflow file, e.g. <c>.github/workflows/deploy.yml</c>.</summary>
    public string? Path { get; init; }

    public Uri? HtmlUrl { get; init; }

    /// <summary>Who started this attempt (differs from <see cref="Actor"/> on a re-run). Absent in older payloads.</summary>
    public WebhookUser? TriggeringActor { get; init; }

    /// <summary>Who caused the original run. Absent in older payloads.</summary>
    public WebhookUser? Actor { get; init; }

    public WebhookRepository? HeadRepository { get; init; }

    public IReadOnlyList<WebhookPullRequestRef>? PullRequests { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>The workflow definition a run belongs to.</summary>
public sealed record WebhookWorkflow
{
    public required long Id { get; init; }

    public string? Name { get; init; }

    public string? Path { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
