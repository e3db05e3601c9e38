using FinGuard.Core.Deliveries;
using FinGuard.GitHub.Auth;
using FinGuard.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FinGuard.Health;

/// <summary><c>GET /healthz</c> (the process is alive) and <c>GET /readyz</c> (storage reachable, credentials loaded).</summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", () => TypedResults.Ok(new { status = "alive" }));
        endpoints.MapGet("/readyz", ReadyAsync);
        return endpoints;
    }

    internal static async Task<Results<Ok<ReadinessReport>, JsonHttpResult<ReadinessReport>>> ReadyAsync(
        IOptionsMonitor<GitHubAppOptions> gitHub, IStorageHealth storage, IDeliveryInbox inbox, CancellationToken cancellationToken)
    {
        var options = gitHub.CurrentValue;
        var checks = new List<ReadinessCheck>();

        var (storageOk, storageDetail) = await storage.CheckAsync(cancellationToken);
        checks.Add(new ReadinessCheck("storage", storageOk, $"{storage.BackendName}: {storageDetail}"));
        if (storageOk)
        {
            checks.Add(await QuarantineCheckAsync(inbox, cancellationToken));
        }

        var webhookSecretReference = options.UnresolvedKeyVaultReferenceMessageFor($"{GitHubAppOptions.SectionName}:{nameof(GitHubAppOptions.WebhookSecret)}");
        checks.Add(string.IsNullOrEmpty(options.WebhookSecret)
            ? new ReadinessCheck("webhook-secret", false, webhookSecretReference is null
                ? "GitHub:WebhookSecret is not configured; every webhook delivery is rejected with 503 until it is."
                : $"{webhookSecretReference}; every webhook delivery is rejected with 503 until it resolves.")
            : new ReadinessCheck("webhook-secret", true, "configured"));

        var appReferences = options.UnresolvedKeyVaultReferences.Where(s => !s.EndsWith(nameof(GitHubAppOptions.WebhookSecret), StringComparison.Ordinal)).ToList();
        checks.Add(options.HasAppCredentials
            ? new ReadinessCheck("github-app", true, $"app {options.AppId}, private key loaded")
            : new ReadinessCheck("github-app", false, appReferences.Count == 0
                ? "GitHub:AppId and GitHub:PrivateKey (or GitHub:PrivateKeyPath) are not both configured; FinGuard cannot call GitHub."
                : string.Join("; ", appReferences.Select(GitHubAppOptions.UnresolvedKeyVaultReferenceMessage)) + "; FinGuard cannot call GitHub."));

        var report = new ReadinessReport(checks.TrueForAll(c => c.Ok) ? "ready" : "not-ready", checks);
        return report.Status == "ready"
            ? TypedResults.Ok(report)
            : TypedResults.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>Most entries named in the <c>deliveries</c> check's detail.</summary>
    private const int QuarantinedNamed = 10;

    /// <summary>
    /// Quarantined deliveries, named. They do not make the instance unready: it still receives and processes every other
    /// delivery, and taking it out of rotation would lose those too. An operator's attention is what they need.
    /// </summary>
    private static async Task<ReadinessCheck> QuarantineCheckAsync(IDeliveryInbox inbox, CancellationToken cancellationToken)
    {
        IReadOnlyList<QuarantinedDelivery> quarantined;
        try
        {
            quarantined = await inbox.ListQuarantinedAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Azure.RequestFailedException)
        {
            return new ReadinessCheck("deliveries", true, $"quarantined deliveries could not be listed: {ex.GetType().Name}");
        }

        if (quarantined.Count == 0)
        {
            return new ReadinessCheck("deliveries", true, "no delivery is quarantined");
        }

        var named = string.Join(", ", quarantined.TakeLast(QuarantinedNamed).Select(q => q.DeliveryId));
        var more = quarantined.Count > QuarantinedNamed ? $" and {quarantined.Count - QuarantinedNamed} older" : "";
        return new ReadinessCheck(
            "deliveries",
            true,
            $"{quarantined.Count} delivery(ies) quarantined (set aside, not processed): {named}{more}. "
            + "Run 'finguard deliveries list' and see docs/operations.md, \"Quarantined deliveries\".");
    }
}

public sealed record ReadinessCheck(string Name, bool Ok, string Detail);

public sealed record ReadinessReport(string Status, IReadOnlyList<ReadinessCheck> Checks);
