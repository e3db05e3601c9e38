using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using FinGuard.Storage.Azure;
using FinGuard.Storage.Deliveries;
using FinGuard.Storage.Deployments;
using FinGuard.Storage.Local;

namespace FinGuard.Storage.Pushes;

/// <summary>
/// Who pushed a pull request's head, as a <c>pull_request</c> delivery (opened, synchronize, reopened) that FinGuard
/// verified said it: its <c>sender</c>. Kept so that a later evaluation (a review, a re-run) knows who pushed the head
/// it evaluates; the record names its delivery, so the fact is traceable to the signed delivery it came from.
/// </summary>
public sealed record HeadPush
{
    /// <summary><c>owner/repo</c>, as delivered.</summary>
    public required string Repository { get; init; }

    /// <summary>The delivery's <c>pull_request.head.sha</c>.</summary>
    public required string HeadSha { get; init; }

    /// <summary>GitHub's <c>X-GitHub-Delivery</c> id of the delivery.</summary>
    public required string DeliveryId { get; init; }

    /// <summary><c>opened</c>, <c>synchronize</c> or <c>reopened</c>.</summary>
    public required string Action { get; init; }

    /// <summary>When FinGuard received the delivery.</summary>
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>
    /// The delivery's body reduced to what names the push — <c>action</c>, <c>number</c>, <c>pull_request.head.sha</c>,
    /// <c>repository.full_name</c> and <c>sender</c> — each exactly as delivered (JSON text).
    /// </summary>
    public required string Body { get; init; }
}

/// <summary>The pushers of pull request heads, by repository and head SHA (<c>head-pushes/</c>, or the <c>HeadPushes</c> table).</summary>
public interface IHeadPushes
{
    /// <summary>Records <paramref name="push"/>; recording the same delivery again changes nothing.</summary>
    Task RecordAsync(HeadPush push, CancellationToken cancellationToken);

    /// <summary>Every push recorded for <paramref name="headSha"/> of <paramref name="repository"/>, oldest delivery first (empty: none known).</summary>
    Task<IReadOnlyList<HeadPush>> FindAsync(string repository, string headSha, CancellationToken cancellationToken);
}

/// <summary>Keys shared by both stores.</summary>
internal static class HeadPushKeys
{
    /// <summary>A head SHA as a key: a git SHA is 40 or 64 hex digits, and nothing else is accepted.</summary>
    public static string Sha(string headSha)
    {
        ArgumentNullException.ThrowIfNull(headSha);
        return headSha.Length is 40 or 64 && headSha.All(char.IsAsciiHexDigit)
            ? headSha.ToLowerInvariant()
            : throw new ArgumentException($"'{headSha}' is not a commit SHA.", nameof(headSha));
    }

    public static byte[] Serialize(HeadPush push) => JsonSerializer.SerializeToUtf8Bytes(push, HeadPushJsonContext.Default.HeadPush);

    public static HeadPush? Deserialize(ReadOnlySpan<byte> bytes) => JsonSerializer.Deserialize(bytes, HeadPushJsonContext.Default.HeadPush);
}

/// <summary>
/// <c>{root}/{owner~repo}/{sha}/{delivery}.json</c>, each created once (<see cref="AtomicFile.TryCreateAsync(string, ReadOnlyMemory{byte}, CancellationToken)"/>):
/// a redelivery of the same delivery finds it there.
/// </summary>
internal sealed class LocalHeadPushes(string root) : IHeadPushes
{
    private readonly string root = Path.GetFullPath(root);

    public async Task RecordAsync(HeadPush push, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(push);
        var folder = FolderOf(push.Repository, push.HeadSha);
        Directory.CreateDirectory(folder);
        await AtomicFile.TryCreateAsync(Path.Combine(folder, DeliveryKeys.ToKey(push.DeliveryId) + ".json"), HeadPushKeys.Serialize(push), cancellationToken);
    }

    public async Task<IReadOnlyList<HeadPush>> FindAsync(string repository, string headSha, CancellationToken cancellationToken)
    {
        var folder = FolderOf(repository, headSha);
        var result = new List<HeadPush>();
        if (!Directory.Exists(folder))
        {
            return result;
        }

        foreach (var path in Directory.EnumerateFiles(folder, "*.json").Where(p => !AtomicFile.IsTempFile(Path.GetFileName(p))))
        {
            if (await AtomicFile.ReadIfExistsAsync(path, cancellationToken) is { } bytes)
            {
                result.Add(HeadPushKeys.Deserialize(bytes) ?? throw new InvalidDataException($"{path} is not a head push record."));
            }
        }

        return [.. result.OrderBy(p => p.ReceivedAt).ThenBy(p => p.DeliveryId, StringComparer.Ordinal)];
    }

    private string FolderOf(string repository, string headSha) =>
        Path.Combine(root, DeploymentRequestKeys.RepositoryKey(repository), HeadPushKeys.Sha(headSha));
}

/// <summary>
/// The <c>{prefix}HeadPushes</c> table: partition = <c>owner~repo</c> (lower-cased) and head SHA, row key = delivery id;
/// the record kept whole as JSON in <c>Document</c>. Recording is an insert; a redelivery's 409 means it is there.
/// </summary>
internal sealed class AzureHeadPushes(AzureStorageClients clients, string tableName) : IHeadPushes
{
    public async Task RecordAsync(HeadPush push, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(push);
        var table = await clients.TableAsync(tableName, cancellationToken, "head pushes");
        var entity = new TableEntity(Partition(push.Repository, push.HeadSha), DeliveryKeys.ToKey(push.DeliveryId))
        {
            ["Document"] = System.Text.Encoding.UTF8.GetString(HeadPushKeys.Serialize(push)),
        };
        try
        {
            await table.AddEntityAsync(entity, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Recorded by an earlier attempt at the same delivery.
        }
    }

    public async Task<IReadOnlyList<HeadPush>> FindAsync(string repository, string headSha, CancellationToken cancellationToken)
    {
        var table = await clients.TableAsync(tableName, cancellationToken, "head pushes");
        var partition = Partition(repository, headSha);
        var result = new List<HeadPush>();
        await foreach (var entity in table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, cancellationToken: cancellationToken))
        {
            var document = entity.GetString("Document") ?? throw new InvalidDataException($"Head push {partition}/{entity.RowKey} has no document.");
            result.Add(HeadPushKeys.Deserialize(System.Text.Encoding.UTF8.GetBytes(document))
                ?? throw new InvalidDataException($"Head push {partition}/{entity.RowKey} is not a head push record."));
        }

        return [.. result.OrderBy(p => p.ReceivedAt).ThenBy(p => p.DeliveryId, StringComparer.Ordinal)];
    }

    private static string Partition(string repository, string headSha) =>
        $"{DeploymentRequestKeys.RepositoryKey(repository)}~{HeadPushKeys.Sha(headSha)}";
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(HeadPush))]
internal sealed partial class HeadPushJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
