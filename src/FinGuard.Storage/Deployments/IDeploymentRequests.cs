using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace FinGuard.Storage.Deployments;

/// <summary>Where a deployment request stands.</summary>
public enum DeploymentRequestState
{
    /// <summary>Received; FinGuard waits for something that may still arrive (environment approvals).</summary>
    Waiting,

    /// <summary>Decided: the decision record is durably written, the answer to GitHub may not have been sent yet.</summary>
    Decided,

    /// <summary>GitHub has the answer (or refused it for good: see <see cref="DeploymentRequest.AnswerError"/>).</summary>
    Answered,
}

/// <summary>The decision record of a decided request: what was answered, and where its evidence is.</summary>
/// <param name="State"><c>approved</c> or <c>rejected</c>, as sent to GitHub.</param>
/// <param name="Chain">The evidence chain.</param>
/// <param name="Sequence">The record's position in the chain.</param>
/// <param name="BlobName">The record's object name.</param>
/// <param name="Sha256">SHA-256 of the record's bytes.</param>
/// <param name="DeliveryId">The delivery whose processing made the decision.</param>
/// <param name="DecidedAt">The evaluation time.</param>
public sealed record DeploymentDecisionPointer(
    string State,
    string Chain,
    long Sequence,
    string BlobName,
    string Sha256,
    string DeliveryId,
    DateTimeOffset DecidedAt);

/// <summary>
/// A <c>deployment_protection_rule</c> request FinGuard has to answer, kept until it is answered (GitHub waits up to
/// 30 days): what is deployed where, and how far FinGuard got. <see cref="Key"/> identifies it within its repository.
/// </summary>
public sealed record DeploymentRequest
{
    /// <summary><c>owner/repo</c> as GitHub spells it.</summary>
    public required string Repository { get; init; }

    public required string Environment { get; init; }

    /// <summary>The workflow run waiting on the environment (from the callback URL).</summary>
    public required long RunId { get; init; }

    public long? DeploymentId { get; init; }

    public required long InstallationId { get; init; }

    public long? RepositoryId { get; init; }

    /// <summary>The deployed commit.</summary>
    public required string Sha { get; init; }

    public string? Ref { get; init; }

    /// <summary>The <c>deployment_protection_rule</c> delivery that asked.</summary>
    public required string RequestDeliveryId { get; init; }

    public required DateTimeOffset RequestedAt { get; init; }

    public DeploymentRequestState State { get; init; }

    /// <summary>Set once decided.</summary>
    public DeploymentDecisionPointer? Decision { get; init; }

    /// <summary>The decision comment sent (or to send again) with the answer; set with <see cref="Decision"/>.</summary>
    public string? AnswerComment { get; init; }

    /// <summary>Progress comments sent while waiting (GitHub shows them on the run; FinGuard sends at most 10).</summary>
    public int ProgressComments { get; init; }

    /// <summary>SHA-256 of the last progress comment, so the same news is not sent twice.</summary>
    public string? LastProgressSha256 { get; init; }

    /// <summary>
    /// When the environment's wait timer ends, while the request waits for it: the <c>FreezeWindowEdges</c> timer decides
    /// the request again then. It only says when to look; the decision is made from the facts.
    /// </summary>
    public DateTimeOffset? WaitUntil { get; init; }

    /// <summary>Set when GitHub refused the answer for good (a 4xx: the run was cancelled, or GitHub timed it out).</summary>
    public string? AnswerError { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Concurrency token assigned by the store; null for a request not stored yet.</summary>
    public string? Version { get; init; }

    /// <summary>The request's key within its repository: run, deployment and environment.</summary>
    [JsonIgnore]
    public string Key => DeploymentRequestKeys.Of(RunId, DeploymentId, Environment);
}

/// <summary>Keys of deployment requests: safe as file names and Azure Table row keys, ordered by run.</summary>
public static class DeploymentRequestKeys
{
    /// <summary><c>{runId:D20}-{deploymentId:D20}-{first 16 hex of SHA-256(lower-case environment)}</c> (deployment <c>0</c> when absent).</summary>
    public static string Of(long runId, long? deploymentId, string environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return $"{RunPrefix(runId)}{(deploymentId ?? 0).ToString("D20", CultureInfo.InvariantCulture)}-{EnvironmentKey(environment)}";
    }

    /// <summary>The prefix every key of <paramref name="runId"/> starts with.</summary>
    public static string RunPrefix(long runId) => runId.ToString("D20", CultureInfo.InvariantCulture) + "-";

    /// <summary>An environment name as a key part (GitHub environment names are not case-sensitive).</summary>
    public static string EnvironmentKey(string environment) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(environment.ToLowerInvariant())))[..16];

    /// <summary>A repository as a key part: <c>owner~repo</c>, lower-cased.</summary>
    public static string RepositoryKey(string repository)
    {
        ArgumentNullException.ThrowIfNull(repository);
        var lower = repository.ToLowerInvariant();
        if (lower.Split('/') is not [{ Length: > 0 } owner, { Length: > 0 } name] || !(owner + name).All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new ArgumentException($"'{repository}' is not an owner/repo name.", nameof(repository));
        }

        return lower.Replace('/', '~');
    }
}

/// <summary>
/// Durable state of deployment requests: created when a <c>deployment_protection_rule</c> delivery arrives, found
/// again by a <c>deployment_review</c> (by run) or a retry (by key), updated with optimistic concurrency
/// (<see cref="DeploymentRequest.Version"/>), so two workers never both record a decision for one request.
/// </summary>
public interface IDeploymentRequests
{
    /// <summary>Stores <paramref name="request"/> unless one with its key exists; returns the stored request and whether it was created.</summary>
    Task<(DeploymentRequest Request, bool Created)> GetOrCreateAsync(DeploymentRequest request, CancellationToken cancellationToken);

    Task<DeploymentRequest?> GetAsync(string repository, string key, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the stored request when its version is still <paramref name="request"/>'s; returns the stored request with
    /// its new version, or null when someone else changed it first (read it again and reconsider).
    /// </summary>
    Task<DeploymentRequest?> TryUpdateAsync(DeploymentRequest request, CancellationToken cancellationToken);

    /// <summary>The requests of one workflow run (every environment and deployment attempt), in key order.</summary>
    Task<IReadOnlyList<DeploymentRequest>> ListByRunAsync(string repository, long runId, CancellationToken cancellationToken);

    /// <summary>Every request not answered yet, oldest first.</summary>
    Task<IReadOnlyList<DeploymentRequest>> ListOpenAsync(CancellationToken cancellationToken);

    /// <summary>The requests of <paramref name="repository"/> not answered yet, oldest first (one partition, not the whole store).</summary>
    Task<IReadOnlyList<DeploymentRequest>> ListOpenAsync(string repository, CancellationToken cancellationToken);

    /// <summary>The environment's approved request with the highest decision sequence (the last approved deployment), or null.</summary>
    Task<DeploymentRequest?> LatestApprovedAsync(string repository, string environment, CancellationToken cancellationToken);
}

/// <summary>Source-generated JSON for stored deployment requests.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true, WriteIndented = false)]
[JsonSerializable(typeof(DeploymentRequest))]
internal sealed partial class DeploymentRequestJsonContext : JsonSerializerContext;
