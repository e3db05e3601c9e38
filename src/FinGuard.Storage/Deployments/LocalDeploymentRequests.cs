using System.Globalization;
using System.Text.Json;
using FinGuard.Storage.Local;

namespace FinGuard.Storage.Deployments;

/// <summary>
/// Deployment requests as files: <c>{root}/{owner~repo}/{key}.json</c>. Created without replacing
/// (<see cref="AtomicFile.TryCreateAsync(string, ReadOnlyMemory{byte}, CancellationToken)"/>: of concurrent creators exactly one wins), updated by atomic replacement
/// after checking the version while holding an exclusive lock on <c>{root}/{owner~repo}/.lock</c> (an OS file lock, so
/// updates are serialised across instances and processes on one machine).
/// </summary>
internal sealed class LocalDeploymentRequests(string root, TimeProvider time) : IDeploymentRequests
{
    private const string Suffix = ".json";
    private static readonly TimeSpan LockPatience = TimeSpan.FromSeconds(10);
    private readonly string root = Path.GetFullPath(root);

    public async Task<(DeploymentRequest Request, bool Created)> GetOrCreateAsync(DeploymentRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var stored = request with { Version = "1", UpdatedAt = time.GetUtcNow() };
        if (await AtomicFile.TryCreateAsync(PathOf(request.Repository, request.Key), Serialize(stored), cancellationToken))
        {
            return (stored, true);
        }

        return (await GetAsync(request.Repository, request.Key, cancellationToken)
            ?? throw new InvalidDataException($"Deployment request {request.Repository} {request.Key} exists but cannot be read."), false);
    }

    public async Task<DeploymentRequest?> GetAsync(string repository, string key, CancellationToken cancellationToken)
    {
        var bytes = await AtomicFile.ReadIfExistsAsync(PathOf(repository, key), cancellationToken);
        return bytes is null ? null : Deserialize(bytes);
    }

    public async Task<DeploymentRequest?> TryUpdateAsync(DeploymentRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await using var held = await LockAsync(request.Repository, cancellationToken);
        var current = await GetAsync(request.Repository, request.Key, cancellationToken);
        if (current is null || current.Version != request.Version)
        {
            return null;
        }

        var version = (long.Parse(current.Version ?? "0", CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture);
        var stored = request with { Version = version, UpdatedAt = time.GetUtcNow() };
        await AtomicFile.ReplaceAsync(PathOf(request.Repository, request.Key), Serialize(stored), cancellationToken);
        return stored;
    }

    public async Task<IReadOnlyList<DeploymentRequest>> ListByRunAsync(string repository, long runId, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(root, DeploymentRequestKeys.RepositoryKey(repository));
        var prefix = DeploymentRequestKeys.RunPrefix(runId);
        var result = new List<DeploymentRequest>();
        foreach (var path in Files(folder).Where(p => Path.GetFileName(p).StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            if (await ReadAsync(path, cancellationToken) is { } request)
            {
                result.Add(request);
            }
        }

        return result;
    }

    public Task<IReadOnlyList<DeploymentRequest>> ListOpenAsync(CancellationToken cancellationToken) =>
        OpenInAsync(Directory.Exists(root) ? Directory.EnumerateDirectories(root) : [], cancellationToken);

    public Task<IReadOnlyList<DeploymentRequest>> ListOpenAsync(string repository, CancellationToken cancellationToken) =>
        OpenInAsync([Path.Combine(root, DeploymentRequestKeys.RepositoryKey(repository))], cancellationToken);

    private static async Task<IReadOnlyList<DeploymentRequest>> OpenInAsync(IEnumerable<string> folders, CancellationToken cancellationToken)
    {
        var result = new List<DeploymentRequest>();
        foreach (var folder in folders)
        {
            foreach (var path in Files(folder))
            {
                if (await ReadAsync(path, cancellationToken) is { State: not DeploymentRequestState.Answered } request)
                {
                    result.Add(request);
                }
            }
        }

        return [.. result.OrderBy(r => r.RequestedAt).ThenBy(r => r.Key, StringComparer.Ordinal)];
    }

    public async Task<DeploymentRequest?> LatestApprovedAsync(string repository, string environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        DeploymentRequest? latest = null;
        foreach (var path in Files(Path.Combine(root, DeploymentRequestKeys.RepositoryKey(repository))))
        {
            if (await ReadAsync(path, cancellationToken) is { Decision.State: "approved" } request
                && string.Equals(request.Environment, environment, StringComparison.OrdinalIgnoreCase)
                && (latest is null || request.Decision.Sequence > latest.Decision!.Sequence))
            {
                latest = request;
            }
        }

        return latest;
    }

    /// <summary>An exclusive lock on the repository's lock file, waiting while another holder has it.</summary>
    private async Task<FileStream> LockAsync(string repository, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(root, DeploymentRequestKeys.RepositoryKey(repository));
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, ".lock");
        var deadline = time.GetUtcNow() + LockPatience;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException) when (time.GetUtcNow() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(5), time, cancellationToken);
            }
        }
    }

    private static IEnumerable<string> Files(string folder) =>
        Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*" + Suffix) : [];

    private static async Task<DeploymentRequest?> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var bytes = await AtomicFile.ReadIfExistsAsync(path, cancellationToken);
        return bytes is null ? null : Deserialize(bytes);
    }

    private string PathOf(string repository, string key) => Path.Combine(root, DeploymentRequestKeys.RepositoryKey(repository), key + Suffix);

    private static byte[] Serialize(DeploymentRequest request) =>
        JsonSerializer.SerializeToUtf8Bytes(request, DeploymentRequestJsonContext.Default.DeploymentRequest);

    private static DeploymentRequest Deserialize(byte[] bytes) =>
        JsonSerializer.Deserialize(bytes, DeploymentRequestJsonContext.Default.DeploymentRequest)
        ?? throw new InvalidDataException("A deployment request file holds JSON null.");
}
