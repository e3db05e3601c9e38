namespace FinGuard.GitHub.Api;

/// <summary>
/// ETags and bodies of GitHub GET responses, per installation and path, for conditional requests: the client sends
/// <c>If-None-Match</c> and on <c>304 Not Modified</c> reuses the cached bytes — the exact bytes GitHub sent with that
/// ETag, so evidence still holds what the decision used. A 304 does not count against GitHub's rate limit.
/// Least recently used entries are evicted beyond <see cref="MaxBytes"/> of bodies or <see cref="MaxEntries"/> entries;
/// a body larger than an eighth of <see cref="MaxBytes"/> is not cached. Keys include the installation, so one
/// installation's responses are never served to another.
/// </summary>
public sealed class GitHubResponseCache
{
    public const long DefaultMaxBytes = 32L * 1024 * 1024;
    public const int DefaultMaxEntries = 4096;

    private readonly Lock gate = new();
    private readonly Dictionary<(long, string), LinkedListNode<Entry>> entries = [];
    private readonly LinkedList<Entry> recency = new();

    public GitHubResponseCache()
        : this(DefaultMaxBytes, DefaultMaxEntries)
    {
    }

    public GitHubResponseCache(long maxBytes, int maxEntries)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxEntries);
        MaxBytes = maxBytes;
        MaxEntries = maxEntries;
    }

    public long MaxBytes { get; }

    public int MaxEntries { get; }

    /// <summary>Bytes of bodies held now.</summary>
    public long Bytes { get; private set; }

    public int Count
    {
        get
        {
            lock (gate)
            {
                return entries.Count;
            }
        }
    }

    /// <summary>A cached response: its validator, body and <c>rel="next"</c> link.</summary>
    public sealed record Entry(long InstallationId, string PathAndQuery, string ETag, byte[] Body, Uri? NextPage);

    public Entry? TryGet(long installationId, string pathAndQuery)
    {
        lock (gate)
        {
            if (!entries.TryGetValue((installationId, pathAndQuery), out var node))
            {
                return null;
            }

            recency.Remove(node);
            recency.AddFirst(node);
            return node.Value;
        }
    }

    public void Set(long installationId, string pathAndQuery, string etag, byte[] body, Uri? nextPage)
    {
        ArgumentNullException.ThrowIfNull(body);
        lock (gate)
        {
            RemoveLocked((installationId, pathAndQuery));
            if (body.LongLength > MaxBytes / 8)
            {
                return;
            }

            var node = recency.AddFirst(new Entry(installationId, pathAndQuery, etag, body, nextPage));
            entries[(installationId, pathAndQuery)] = node;
            Bytes += body.LongLength;
            while ((Bytes > MaxBytes || entries.Count > MaxEntries) && recency.Last is { } oldest)
            {
                RemoveLocked((oldest.Value.InstallationId, oldest.Value.PathAndQuery));
            }
        }
    }

    /// <summary>Forgets a response, e.g. when GitHub answered it with an error.</summary>
    public void Remove(long installationId, string pathAndQuery)
    {
        lock (gate)
        {
            RemoveLocked((installationId, pathAndQuery));
        }
    }

    private void RemoveLocked((long, string) key)
    {
        if (entries.Remove(key, out var node))
        {
            recency.Remove(node);
            Bytes -= node.Value.Body.LongLength;
        }
    }
}
