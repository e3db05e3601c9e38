using System.Text.Json;
using System.Text.Json.Serialization;

namespace FinGuard.GitHub.Webhooks;

/// <summary><c>check_run</c>: a check run was created, completed, re-requested, or a button on it was pressed.</summary>
public sealed record CheckRunPayload : WebhookPayload
{
    public required WebhookCheckRun CheckRun { get; init; }

    /// <summary>On <c>requested_action</c>: the button the user pressed.</summary>
    public WebhookRequestedAction? RequestedAction { get; init; }
}

/// <summary><c>check_suite</c>: a check suite was requested, re-requested or completed.</summary>
public sealed record CheckSuitePayload : WebhookPayload
{
    public required WebhookCheckSuite CheckSuite { get; init; }
}

/// <summary>A check run.</summary>
public sealed record WebhookCheckRun
{
    public required long Id { get; init; }

    public required string HeadSha { get; init; }

    public string? Name { get; init; }

    /// <summary><c>queued</c>, <c>in_progress</c>, <c>completed</c>, <c>waiting</c>, ….</summary>
    public string? Status { get; init; }

    /// <summary>Null until completed; <c>success</c>, <c>failure</c>, <c>neutral</c>, <c>action_required</c>, ….</summary>
    public string? Conclusion { get; init; }

    /// <summary>The integrator's reference; FinGuard uses <c>finguard:{sha}</c> to reconcile its own runs.</summary>
    public string? ExternalId { get; init; }

    public Uri? HtmlUrl { get; init; }

    public WebhookApp? App { get; init; }

    public WebhookCheckSuite? CheckSuite { get; init; }

    public IReadOnlyList<WebhookPullRequestRef>? PullRequests { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>The action a user requested from a check run's button.</summary>
public sealed record WebhookRequestedAction
{
    public string? Identifier { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>A check suite: the top-level <c>check_suite</c>, or the suite a check run belongs to.</summary>
public sealed record WebhookCheckSuite
{
    public required long Id { get; init; }

    public required string HeadSha { get; init; }

    /// <summary>Null when the suite's head is not on a branch (e.g. a tag or a deleted branch).</summary>
    public string? HeadBranch { get; init; }

    public string? Status { get; init; }

    public string? Conclusion { get; init; }

    public string? Before { get; init; }

    public string? After { get; init; }

    public WebhookApp? App { get; init; }

    public IReadOnlyList<WebhookPullRequestRef>? PullRequests { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
