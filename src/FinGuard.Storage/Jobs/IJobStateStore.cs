using System.Text;
using Azure;
using Azure.Data.Tables;
using FinGuard.Storage.Azure;
using FinGuard.Storage.Local;

namespace FinGuard.Storage.Jobs;

/// <summary>
/// The small state timer jobs keep between runs (when the redelivery sweep last read GitHub's delivery log; which
/// repositories the freeze-window job watches and up to when), as named entries of JSON text per job. Kept where the
/// rest of FinGuard's state is: the <c>JobState</c> table on Azure (one entity per entry, so no entry nears a table
/// property's 64 KiB), a <c>jobs/{job}.json</c> file in the local store.
/// </summary>
public interface IJobStateStore
{
    /// <summary>Every entry of <paramref name="job"/> (empty when it has none yet).</summary>
    Task<IReadOnlyDictionary<string, string>> ReadAsync(string job, CancellationToken cancellationToken);

    /// <summary>Replaces the entries of <paramref name="job"/> with <paramref name="entries"/>.</summary>
    Task WriteAsync(string job, IReadOnlyDictionary<string, string> entries, CancellationToken cancellationToken);
}

/// <summary><c>{root}/{job}.json</c>: an object of the entries, written atomically.</summary>
internal sealed class LocalJobStateStore(string root) : IJobStateStore
{
    public async Task<IReadOnlyDictionary<string, string>> ReadAsync(string job, CancellationToken cancellationToken)
    {
        var bytes = await AtomicFile.ReadIfExistsAsync(PathOf(job), cancellationToken);
        if (bytes is null)
        {
            return new Dictionary<string, string>(StringComparer.Ordinal);
        }

        return System.Text.Json.JsonSerializer.Deserialize(bytes, JobStateJsonContext.Default.DictionaryStringString)
            ?? throw new InvalidDataException($"{PathOf(job)} is not a job state file; delete it to start the job afresh.");
    }

    public Task WriteAsync(string job, IReadOnlyDictionary<string, string> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var copy = new Dictionary<string, string>(entries, StringComparer.Ordinal);
        return AtomicFile.ReplaceAsync(PathOf(job), System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(copy, JobStateJsonContext.Default.DictionaryStringString), cancellationToken);
    }

    private string PathOf(string job) => Path.Combine(Path.GetFullPath(root), $"{JobName(job)}.json");

    internal static string JobName(string job) =>
        job.Length is > 0 and <= 64 && job.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
            ? job
            : throw new ArgumentException($"'{job}' is not a job name (letters, digits and '-').", nameof(job));
}

/// <summary>The <c>JobState</c> table: partition = job, row = entry key (escaped), property <c>Value</c> = the JSON text.</summary>
internal sealed class AzureJobStateStore(AzureStorageClients clients, string tableName) : IJobStateStore
{
    public async Task<IReadOnlyDictionary<string, string>> ReadAsync(string job, CancellationToken cancellationToken)
    {
        var table = await clients.TableAsync(tableName, cancellationToken, "job state");
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var partition = LocalJobStateStore.JobName(job);
        await foreach (var entity in table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, cancellationToken: cancellationToken))
        {
            result[Unescape(entity.RowKey)] = entity.GetString("Value") ?? string.Empty;
        }

        return result;
    }

    public async Task WriteAsync(string job, IReadOnlyDictionary<string, string> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var table = await clients.TableAsync(tableName, cancellationToken, "job state");
        var partition = LocalJobStateStore.JobName(job);
        var existing = await ReadAsync(job, cancellationToken);
        var actions = new List<TableTransactionAction>();
        foreach (var (key, value) in entries)
        {
            if (!existing.TryGetValue(key, out var old) || old != value)
            {
                actions.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(partition, Escape(key)) { ["Value"] = value }));
            }
        }

        foreach (var gone in existing.Keys.Where(k => !entries.ContainsKey(k)))
        {
            actions.Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partition, Escape(gone)), ETag.All));
        }

        // One partition: entity group transactions of at most 100 actions each.
        foreach (var batch in actions.Chunk(100))
        {
            await table.SubmitTransactionAsync(batch, cancellationToken);
        }
    }

    // Row keys may not hold '/', '\', '#', '?' or control characters: the key's UTF-8 in hex is always safe and reversible.
    private static string Escape(string key) => Convert.ToHexStringLower(Encoding.UTF8.GetBytes(key));

    private static string Unescape(string rowKey) => Encoding.UTF8.GetString(Convert.FromHexString(rowKey));
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class JobStateJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
