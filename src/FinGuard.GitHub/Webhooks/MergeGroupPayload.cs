using System.Text.Json;
using System.Text.Json.Serialization;

namespace FinGuard.GitHub.Webhooks;

/// <summary>
/// <c>merge_group</c>: GitHub's merge queue built a group and asks for its checks (<c>checks_requested</c>), or dropped it
/// (<c>destroyed</c>, with a <c>reason</c>: merged, invalidated or dequeued).
/// </summary>
public sealed record MergeGroupPayload : WebhookPayload
{
    public required WebhookMergeGroup MergeGroup { get; init; }

    /// <summary><c>destroyed</c> only: <c>merged</c>, <c>invalidated</c> or <c>dequeued</c>.</summary>
    public string? Reason { get; init; }
}

/// <summary>A merge group: a temporary branch (<c>gh-readonly-queue/{base}/pr-{number}-{sha}</c>) holding the base branch with the queued pull requests applied.</summary>
public sealed record WebhookMergeGroup
{
    /// <summary>The commit the group's checks are for.</summary>
    public required string HeadSha { get; init; }

    /// <summary>The group's branch, <c>refs/heads/gh-readonly-queue/main/pr-104-929f82…</c>.</summary>
    public required string HeadRef { get; init; }

    /// <summary>The base branch's commit the group is built on.</summary>
    public required string BaseSha { get; init; }

    /// <summary>The base branch, <c>refs/heads/main</c>.</summary>
    public required string BaseRef { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
