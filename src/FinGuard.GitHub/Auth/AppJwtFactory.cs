using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FinGuard.GitHub.Auth;

/// <summary>
/// Creates the GitHub App JWT (RS256) that authenticates as the App itself, used only to mint installation
/// tokens. Claims: <c>iat</c> = now − 60 s (GitHub's advice against clock drift), <c>exp</c> = now + 9 min
/// (GitHub's maximum is 10 min), <c>iss</c> = <see cref="GitHubAppOptions.AppId"/>. The JWT is cached and reused
/// until one minute before it expires. Time comes from the injected <see cref="TimeProvider"/>.
/// </summary>
public sealed class AppJwtFactory : IDisposable
{
    /// <summary>How far <c>iat</c> is back-dated.</summary>
    public static readonly TimeSpan IssuedAtBackdate = TimeSpan.FromSeconds(60);

    /// <summary>How long after "now" the JWT expires.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(9);

    /// <summary>A cached JWT is replaced once less than this remains before <c>exp</c>.</summary>
    public static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(1);

    private readonly GitHubAppOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly Lock _gate = new();
    private RSA? _key;
    private SigningCredentials? _credentials;
    private string? _jwt;
    private DateTimeOffset _expiresAt;
    private bool _disposed;

    public AppJwtFactory(IOptions<GitHubAppOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _options = options.Value;
        _timeProvider = timeProvider;
    }

    /// <summary>The current App JWT, creating a new one when none is cached or the cached one is about to expire.</summary>
    /// <exception cref="GitHubAuthException">No App id is configured or the private key cannot be loaded.</exception>
    public string GetJwt()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var now = _timeProvider.GetUtcNow();
            if (_jwt is not null && now < _expiresAt - RefreshMargin)
            {
                return _jwt;
            }

            var credentials = _credentials ??= CreateCredentials();
            var expiresAt = now + Lifetime;
            _jwt = _handler.CreateToken(new SecurityTokenDescriptor
            {
                Issuer = _options.AppId,
                IssuedAt = (now - IssuedAtBackdate).UtcDateTime,
                Expires = expiresAt.UtcDateTime,
                SigningCredentials = credentials,
            });
            _expiresAt = expiresAt;
            return _jwt;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _jwt = null;
            _credentials = null;
            _key?.Dispose();
            _key = null;
        }
    }

    private SigningCredentials CreateCredentials()
    {
        if (string.IsNullOrWhiteSpace(_options.AppId)
            && _options.UnresolvedKeyVaultReferenceMessageFor($"{GitHubAppOptions.SectionName}:{nameof(GitHubAppOptions.AppId)}") is { } unresolved)
        {
            throw new GitHubAuthException($"No GitHub App id: {unresolved}.");
        }

        if (string.IsNullOrWhiteSpace(_options.AppId))
        {
            throw new GitHubAuthException(
                $"{GitHubAppOptions.SectionName}:{nameof(GitHubAppOptions.AppId)} is not configured; it is needed to authenticate as the GitHub App.");
        }

        _key = GitHubAppPrivateKey.Load(_options);

        // The default CryptoProviderFactory caches signature providers process-wide, keyed by the key's
        // thumbprint: after this factory disposes its RSA, another factory with the same key material would be
        // handed a provider wrapping the disposed key. A JWT is signed every few minutes, so no caching is needed.
        var cryptoProviders = new CryptoProviderFactory { CacheSignatureProviders = false };
        return new SigningCredentials(new RsaSecurityKey(_key) { CryptoProviderFactory = cryptoProviders }, SecurityAlgorithms.RsaSha256)
        {
            CryptoProviderFactory = cryptoProviders,
        };
    }
}
