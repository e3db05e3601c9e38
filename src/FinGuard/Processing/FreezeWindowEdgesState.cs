using System.Globalization;
using System.Text.Json.Nodes;

namespace FinGuard.Processing;

/// <summary>What <see cref="FreezeWindowEdgesJob"/> remembers about one repository between runs.</summary>
/// <param name="Repository"><c>owner/repo</c> as GitHub spells it.</param>
/// <param name="InstallationId">The App installation that covers it.</param>
/// <param name="CheckedUntil">Window edges up to this instant have been acted on.</param>
/// <param name="SuspendedUntil">After GitHub said the repository or installation is gone: not checked before this.</param>
public sealed record FreezeWindowEdgesRepository(string Repository, long InstallationId, DateTimeOffset CheckedUntil, DateTimeOffset? SuspendedUntil = null);

/// <summary>Where <see cref="FreezeWindowEdgesJob"/> keeps its per-repository progress, keyed by chain (<c>owner/repo</c>, lower-cased).</summary>
public interface IFreezeWindowEdgesState
{
    /// <summary>How the state is kept, for the job's outcome line.</summary>
    string Description { get; }

    Task<IReadOnlyDictionary<string, FreezeWindowEdgesRepository>> ReadAsync(CancellationToken cancellationToken);

    Task WriteAsync(IReadOnlyDictionary<string, FreezeWindowEdgesRepository> repositories, CancellationToken cancellationToken);
}

/// <summary>
/// State in this process only (tests): after a restart the job starts again
/// with <see cref="FreezeWindowEdgesJob.FirstLookBack"/> per repository, so edges during a longer outage are missed.
/// </summary>
public sealed class InMemoryFreezeWindowEdgesState : IFreezeWindowEdgesState
{
    private IReadOnlyDictionary<string, FreezeWindowEdgesRepository> current = new Dictionary<string, FreezeWindowEdgesRepository>();

    public string Description => "state in memory (lost on restart)";

    public Task<IReadOnlyDictionary<string, FreezeWindowEdgesRepository>> ReadAsync(CancellationToken cancellationToken) =>
        Task.FromResult(Volatile.Read(ref current));

    public Task WriteAsync(IReadOnlyDictionary<string, FreezeWindowEdgesRepository> repositories, CancellationToken cancellationToken)
    {
        Volatile.Write(ref current, new Dictionary<string, FreezeWindowEdgesRepository>(repositories, StringComparer.Ordinal));
        return Task.CompletedTask;
    }
}

/// <summary>
/// In FinGuard's storage (<see cref="Storage.Jobs.IJobStateStore"/>: the <c>JobState</c> table on Azure), one entry per
/// repository, so a restarted or scaled-out Functions instance continues where the last run stopped.
/// </summary>
public sealed class StoredFreezeWindowEdgesState(Storage.Jobs.IJobStateStore store) : IFreezeWindowEdgesState
{
    public const string Job = "freeze-window-edges";

    public string Description => "state in the job state store";

    public async Task<IReadOnlyDictionary<string, FreezeWindowEdgesRepository>> ReadAsync(CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, FreezeWindowEdgesRepository>(StringComparer.Ordinal);
        foreach (var (chain, text) in await store.ReadAsync(Job, cancellationToken))
        {
            if (JsonNode.Parse(text) is JsonObject entry)
            {
                result[chain] = new FreezeWindowEdgesRepository(
                    (string)entry["repository"]!,
                    (long)entry["installationId"]!,
                    DateTimeOffset.Parse((string)entry["checkedUntil"]!, CultureInfo.InvariantCulture),
                    entry["suspendedUntil"] is { } suspended ? DateTimeOffset.Parse((string)suspended!, CultureInfo.InvariantCulture) : null);
            }
        }

        return result;
    }

    public Task WriteAsync(IReadOnlyDictionary<string, FreezeWindowEdgesRepository> repositories, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repositories);
        var entries = repositories.ToDictionary(
            r => r.Key,
            r => new JsonObject
            {
                ["repository"] = r.Value.Repository,
                ["installationId"] = r.Value.InstallationId,
                ["checkedUntil"] = r.Value.CheckedUntil.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
                ["suspendedUntil"] = r.Value.SuspendedUntil?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
            }.ToJsonString(),
            StringComparer.Ordinal);
        return store.WriteAsync(Job, entries, cancellationToken);
    }
}
