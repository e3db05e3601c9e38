using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace FinGuard.Setup;

/// <summary>
/// The <c>state</c> values of setup flows in progress: 256 random bits each, single use, valid for an hour (a
/// manifest code is valid for an hour too). The browser that started the flow also holds the value in a cookie, and
/// the callback needs both, so a code from someone else's flow cannot be planted on this server (CSRF).
/// </summary>
public sealed class SetupStateStore(TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    private const int MaxPending = 100;

    private readonly ConcurrentDictionary<string, DateTimeOffset> pending = new(StringComparer.Ordinal);

    public string Issue()
    {
        var now = time.GetUtcNow();
        foreach (var (state, expires) in pending)
        {
            if (expires <= now)
            {
                pending.TryRemove(state, out _);
            }
        }

        if (pending.Count >= MaxPending)
        {
            // Keep memory bounded: drop the oldest flows first.
            foreach (var (state, _) in pending.OrderBy(p => p.Value).Take(pending.Count - MaxPending + 1))
            {
                pending.TryRemove(state, out _);
            }
        }

        var value = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        pending[value] = now + Lifetime;
        return value;
    }

    /// <summary>True once for a state this store issued less than <see cref="Lifetime"/> ago.</summary>
    public bool TryConsume(string? state) =>
        !string.IsNullOrEmpty(state) && pending.TryRemove(state, out var expires) && expires > time.GetUtcNow();
}
