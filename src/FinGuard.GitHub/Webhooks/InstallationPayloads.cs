namespace FinGuard.GitHub.Webhooks;

/// <summary>
/// <c>installation</c>: the App was installed, uninstalled, suspended, unsuspended or accepted new permissions.
/// <see cref="WebhookPayload.Installation"/> is the full installation object.
/// </summary>
public sealed record InstallationPayload : WebhookPayload
{
    /// <summary>The repositories the installation can access (on <c>created</c>/<c>deleted</c> with selected repositories).</summary>
    public IReadOnlyList<WebhookRepository>? Repositories { get; init; }

    public WebhookUser? Requester { get; init; }
}

/// <summary><c>installation_repositories</c>: repositories were added to or removed from an installation.</summary>
public sealed record InstallationRepositoriesPayload : WebhookPayload
{
    /// <summary><c>all</c> or <c>selected</c>.</summary>
    public string? RepositorySelection { get; init; }

    public IReadOnlyList<WebhookRepository>? RepositoriesAdded { get; init; }

    public IReadOnlyList<WebhookRepository>? RepositoriesRemoved { get; init; }

    public WebhookUser? Requester { get; init; }
}
