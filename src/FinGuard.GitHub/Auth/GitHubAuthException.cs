using System.Net;

namespace FinGuard.GitHub.Auth;

/// <summary>
/// GitHub App authentication failed: the private key could not be loaded, or GitHub refused to issue an
/// installation token. The message says what failed (setting, status code, installation id) and never contains
/// the private key, the App JWT or a token.
/// </summary>
public sealed class GitHubAuthException : Exception
{
    public GitHubAuthException()
    {
    }

    public GitHubAuthException(string message)
        : base(message)
    {
    }

    public GitHubAuthException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public GitHubAuthException(string message, long? installationId, HttpStatusCode? statusCode, Exception? innerException = null)
        : base(message, innerException)
    {
        InstallationId = installationId;
        StatusCode = statusCode;
    }

    /// <summary>The installation a token was requested for, when the failure concerns one.</summary>
    public long? InstallationId { get; }

    /// <summary>GitHub's HTTP status code, when GitHub answered.</summary>
    public HttpStatusCode? StatusCode { get; }
}
