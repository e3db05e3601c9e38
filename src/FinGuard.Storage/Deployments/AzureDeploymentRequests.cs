using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using FinGuard.Storage.Azure;

namespace FinGuard.Storage.Deployments;

/// <summary>
/// Deployment requests in the <c>{prefix}DeploymentRequests</c> table: partition = repository (<c>owner~repo</c>,
/// lower-cased), row key = <see cref="DeploymentRequest.Key"/>. The request is kept whole as JSON in <c>Document</c>;
/// <c>State</c>, <c>Environment</c> (lower-cased), <c>Verdict</c> and <c>Sequence</c> are copied into columns for
/// queries, and the answer comment is kept apart in <c>AnswerComment</c> (a table string holds 32K characters; inside the
/// JSON its escaping could exceed that). Creation is an insert (409: it exists); updates replace the row with its ETag,
/// which is the version.
/// </summary>
internal sealed class AzureDeploymentRequests(AzureStorageClients clients, string tableName, TimeProvider time) : IDeploymentRequests
{
    public async Task<(DeploymentRequest Request, bool Created)> GetOrCreateAsync(DeploymentRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var table = await clients.TableAsync(tableName, cancellationToken);
        var stored = request with { UpdatedAt = time.GetUtcNow(), Version = null };
        try
        {
            var response = await table.AddEntityAsync(ToEntity(stored), cancellationToken);
            return (stored with { Version = response.Headers.ETag?.ToString() }, true);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return (await GetAsync(request.Repository, request.Key, cancellationToken)
                ?? throw new InvalidDataException($"Deployment request {request.Repository} {request.Key} exists but cannot be read."), false);
        }
    }

    public async Task<DeploymentRequest?> GetAsync(string repository, string key, CancellationToken cancellationToken)
    {
        var table = await clients.TableAsync(tableName, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(DeploymentRequestKeys.RepositoryKey(repository), key, cancellationToken: cancellationToken);
        return row.HasValue && row.Value is { } entity ? FromEntity(entity) : null;
    }

    public async Task<DeploymentRequest?> TryUpdateAsync(DeploymentRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Version is not { } version || !version.StartsWith("W/\"", StringComparison.Ordinal))
        {
            return null; // Never stored here: every version this store hands out is a table ETag.
        }

        var table = await clients.TableAsync(tableName, cancellationToken);
        var stored = request with { UpdatedAt = time.GetUtcNow(), Version = null };
        try
        {
            var response = await table.UpdateEntityAsync(ToEntity(stored), new ETag(version), TableUpdateMode.Replace, cancellationToken);
            return stored with { Version = response.Headers.ETag?.ToString() };
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            return null;
        }
    }

    public async Task<IReadOnlyList<DeploymentRequest>> ListByRunAsync(string repository, long runId, CancellationToken cancellationToken)
    {
        var table = await clients.TableAsync(tableName, cancellationToken);
        var prefix = DeploymentRequestKeys.RunPrefix(runId);
        var upper = prefix[..^1] + (char)(prefix[^1] + 1);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {DeploymentRequestKeys.RepositoryKey(repository)} and RowKey ge {prefix} and RowKey lt {upper}");
        return await QueryAsync(table, filter, cancellationToken);
    }

    public Task<IReadOnlyList<DeploymentRequest>> ListOpenAsync(CancellationToken cancellationToken) =>
        OpenAsync(TableClient.CreateQueryFilter($"State ne {nameof(DeploymentRequestState.Answered)}"), cancellationToken);

    public Task<IReadOnlyList<DeploymentRequest>> ListOpenAsync(string repository, CancellationToken cancellationToken) =>
        OpenAsync(
            TableClient.CreateQueryFilter($"PartitionKey eq {DeploymentRequestKeys.RepositoryKey(repository)} and State ne {nameof(DeploymentRequestState.Answered)}"),
            cancellationToken);

    private async Task<IReadOnlyList<DeploymentRequest>> OpenAsync(string filter, CancellationToken cancellationToken)
    {
        var table = await clients.TableAsync(tableName, cancellationToken);
        var open = await QueryAsync(table, filter, cancellationToken);
        return [.. open.OrderBy(r => r.RequestedAt).ThenBy(r => r.Key, StringComparer.Ordinal)];
    }

    public async Task<DeploymentRequest?> LatestApprovedAsync(string repository, string environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var table = await clients.TableAsync(tableName, cancellationToken);
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {DeploymentRequestKeys.RepositoryKey(repository)} and Environment eq {environment.ToLowerInvariant()} and Verdict eq {"approved"}");
        return (await QueryAsync(table, filter, cancellationToken)).OrderByDescending(r => r.Decision!.Sequence).FirstOrDefault();
    }

    private static async Task<List<DeploymentRequest>> QueryAsync(TableClient table, string filter, CancellationToken cancellationToken)
    {
        var result = new List<DeploymentRequest>();
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            result.Add(FromEntity(entity));
        }

        return result;
    }

    private static TableEntity ToEntity(DeploymentRequest request)
    {
        var entity = new TableEntity(DeploymentRequestKeys.RepositoryKey(request.Repository), request.Key)
        {
            ["Document"] = JsonSerializer.Serialize(request with { AnswerComment = null }, DeploymentRequestJsonContext.Default.DeploymentRequest),
            ["State"] = request.State.ToString(),
            ["Environment"] = request.Environment.ToLowerInvariant(),
            ["RunId"] = request.RunId,
        };
        if (request.AnswerComment is { } comment)
        {
            entity["AnswerComment"] = comment;
        }

        if (request.Decision is { } decision)
        {
            entity["Verdict"] = decision.State;
            entity["Sequence"] = decision.Sequence;
        }

        return entity;
    }

    private static DeploymentRequest FromEntity(TableEntity entity)
    {
        var request = JsonSerializer.Deserialize(entity.GetString("Document"), DeploymentRequestJsonContext.Default.DeploymentRequest)
            ?? throw new InvalidDataException($"Deployment request row {entity.PartitionKey}/{entity.RowKey} holds JSON null.");
        return request with { AnswerComment = entity.GetString("AnswerComment"), Version = entity.ETag.ToString() };
    }
}
