using System.Globalization;
using System.Text.Json;
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
/// State in this process only (the Azure backend, until it has a table for it): after a restart the job starts again
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
/// State in a JSON file of the local backend (<c>{Storage:LocalPath}/jobs/freeze-window-edges.json</c>), replaced
/// atomically (written beside it, then renamed over it).
/// </summary>
public sealed class LocalFreezeWindowEdgesState(string path) : IFreezeWindowEdgesState
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public string Description => $"state in {path}";

    public async Task<IReadOnlyDictionary<string, FreezeWindowEdgesRepository>> ReadAsync(CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, FreezeWindowEdgesRepository>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return result;
        }

        var node = JsonNode.Parse(await File.ReadAllBytesAsync(path, cancellationToken));
        if (node?["repositories"] is not JsonObject repositories)
        {
            throw new InvalidDataException($"{path} is not a FreezeWindowEdges state file (no 'repositories' object); delete it to start again from {FreezeWindowEdgesJob.FirstLookBack.TotalMinutes:0} minutes back.");
        }

        foreach (var (chain, value) in repositories)
        {
            if (value is not JsonObject entry)
            {
                continue;
            }

            result[chain] = new FreezeWindowEdgesRepository(
                (string)entry["repository"]!,
                (long)entry["installationId"]!,
                DateTimeOffset.Parse((string)entry["checkedUntil"]!, CultureInfo.InvariantCulture),
                entry["suspendedUntil"] is { } suspended ? DateTimeOffset.Parse((string)suspended!, CultureInfo.InvariantCulture) : null);
        }

        return result;
    }

    public async Task WriteAsync(IReadOnlyDictionary<string, FreezeWindowEdgesRepository> repositories, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repositories);
        var entries = new JsonObject();
        foreach (var (chain, entry) in repositories.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            entries[chain] = new JsonObject
            {
                ["repository"] = entry.Repository,
                ["installationId"] = entry.InstallationId,
                ["checkedUntil"] = entry.CheckedUntil.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
                ["suspendedUntil"] = entry.SuspendedUntil?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
            };
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        await File.WriteAllTextAsync(temporary, new JsonObject { ["repositories"] = entries }.ToJsonString(Indented), cancellationToken);
        File.Move(temporary, path, overwrite: true);
    }
}
