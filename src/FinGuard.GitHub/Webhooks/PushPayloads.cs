using System.Text.Json;
using System.Text.Json.Serialization;

namespace FinGuard.GitHub.Webhooks;

/// <summary>
/// <c>push</c>: a ref moved from <see cref="Before"/> to <see cref="After"/>. GitHub sends no <c>action</c>. A branch
/// ref is <c>refs/heads/…</c>; <see cref="Forced"/> says the new head does not contain the old one (history rewritten).
/// </summary>
public sealed record PushPayload : WebhookPayload
{
    /// <summary>The full ref, <c>refs/heads/main</c> or <c>refs/tags/v1</c>.</summary>
    public required string Ref { get; init; }

    /// <summary>The ref's commit before the push; forty zeros when the push created it.</summary>
    public required string Before { get; init; }

    /// <summary>The ref's commit after the push; forty zeros when the push deleted it.</summary>
    public required string After { get; init; }

    public bool? Created { get; init; }

    public bool? Deleted { get; init; }

    public bool? Forced { get; init; }

    /// <summary>Who pushed, as git names them (name and e-mail, no GitHub id); <c>sender</c> is the GitHub account.</summary>
    public WebhookPusher? Pusher { get; init; }

    /// <summary>The commits pushed (at most 2,048), oldest first.</summary>
    public IReadOnlyList<WebhookPushCommit>? Commits { get; init; }
}

/// <summary>The <c>pusher</c> of a push: git's name and e-mail.</summary>
public sealed record WebhookPusher
{
    public string? Name { get; init; }

    public string? Email { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>One commit of a push.</summary>
public sealed record WebhookPushCommit
{
    public required string Id { get; init; }

    public string? Message { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>
/// <c>deployment_status</c> (<c>created</c>): a deployment's status changed; <c>success</c> means it reached its
/// environment, whoever or whatever approved it.
/// </summary>
public sealed record DeploymentStatusPayload : WebhookPayload
{
    public required WebhookDeploymentStatus DeploymentStatus { get; init; }

    public required WebhookDeployment Deployment { get; init; }
}

/// <summary>The new status of a deployment.</summary>
public sealed record WebhookDeploymentStatus
{
    public long? Id { get; init; }

    /// <summary><c>success</c>, <c>failure</c>, <c>in_progress</c>, … (a string: GitHub may add values).</summary>
    public required string State { get; init; }

    public string? Environment { get; init; }

    public WebhookUser? Creator { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
