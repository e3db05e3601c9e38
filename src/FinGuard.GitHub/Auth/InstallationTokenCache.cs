using System.Collections.Concurrent;

namespace FinGuard.GitHub.Auth;

/// <summary>
/// Installation tokens and the per-installation gates that make concurrent callers share one token request.
/// Register as a singleton: <see cref="InstallationTokenProvider"/> is a typed <see cref="HttpClient"/> consumer
/// and typed clients are transient, so the cache lives here rather than in the provider.
/// </summary>
public sealed class InstallationTokenCache
{
    private readonly ConcurrentDictionary<long, Slot> _slots = new();

    /// <summary>Forgets the cached token, e.g. after GitHub answered 401 to it; the next call requests a new one.</summary>
    public void Invalidate(long installationId)
    {
        if (_slots.TryGetValue(installationId, out var slot))
        {
            slot.Token = null;
        }
    }

    internal Slot GetSlot(long installationId) => _slots.GetOrAdd(installationId, static _ => new Slot());

    internal sealed class Slot
    {
        private volatile InstallationToken? _token;

        /// <summary>Held while a token is requested; never disposed (one per installation, lives as long as the cache).</summary>
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public InstallationToken? Token
        {
            get => _token;
            set => _token = value;
        }
    }
}

/// <summary>An installation access token and when GitHub says it expires.</summary>
internal sealed record InstallationToken(string Value, DateTimeOffset ExpiresAt)
{
    public override string ToString() => $"InstallationToken {{ Value = (redacted), ExpiresAt = {ExpiresAt:O} }}";
}
