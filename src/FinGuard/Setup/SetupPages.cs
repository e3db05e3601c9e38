using System.Text;
using System.Text.Encodings.Web;

namespace FinGuard.Setup;

/// <summary>
/// The setup pages: plain HTML with every value HTML-encoded, one inline style and script allowed by a per-response
/// CSP nonce, nothing loaded from elsewhere.
/// </summary>
internal static class SetupPages
{
    private const string Style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f6f8fa;color:#1f2328}
        main{max-width:46rem;margin:2rem auto;padding:2rem;background:#fff;border:1px solid #d0d7de;border-radius:6px}
        h1{font-size:1.5rem;margin-top:0}fieldset{border:1px solid #d0d7de;border-radius:6px;margin:1rem 0}
        label{display:block;margin:.4rem 0}input[type=text]{padding:.3rem;font:inherit}
        button{font:inherit;padding:.5rem 1rem;background:#1f883d;color:#fff;border:0;border-radius:6px;cursor:pointer}
        button:disabled{background:#8c959f;cursor:not-allowed}pre{overflow:auto;background:#f6f8fa;padding:1rem;font-size:.8rem}
        output,code{font-family:ui-monospace,monospace;font-size:.85rem;word-break:break-all}.note{color:#59636e;font-size:.9rem}
        """;

    // Keeps the GitHub form's action in step with the owner choice; the server renders the same action for the
    // choice in the query string, so the page also works without JavaScript (the "Apply" button reloads it).
    private const string Script = """
        (() => {
          const choice = document.getElementById('owner-form');
          const form = document.getElementById('manifest-form');
          const org = document.getElementById('org');
          const target = document.getElementById('target');
          const submit = document.getElementById('create');
          const valid = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
          const update = () => {
            const organization = choice.querySelector('input[name=owner]:checked').value === 'organization';
            const name = org.value.trim();
            org.disabled = !organization;
            let action = form.dataset.webBase + (organization ? 'organizations/' + encodeURIComponent(name) + '/settings/apps/new' : 'settings/apps/new');
            action += '?state=' + encodeURIComponent(form.dataset.state);
            form.setAttribute('action', action);
            target.textContent = action;
            submit.disabled = organization && !valid.test(name);
          };
          choice.addEventListener('change', update);
          choice.addEventListener('input', update);
          choice.addEventListener('submit', (e) => e.preventDefault());
          document.getElementById('apply').hidden = true;
          update();
        })();
        """;

    internal sealed record RegisterModel(
        string ManifestJson,
        string ManifestPretty,
        string Action,
        string WebBase,
        string State,
        bool Organization,
        string OrganizationName,
        string HookUrl,
        bool PublicUrlConfigured);

    public static string Register(string nonce, RegisterModel model)
    {
        var e = HtmlEncoder.Default;
        var body = new StringBuilder();
        body.Append("<h1>Register FinGuard as a GitHub App</h1>");
        body.Append("<p>FinGuard has no GitHub App credentials yet. This page sends GitHub the App manifest below; GitHub shows you the App it ")
            .Append("will create, you confirm, and GitHub returns you here with a one-time code that FinGuard exchanges for the App's id, private key and webhook secret.</p>");
        body.Append("<form id=\"owner-form\" method=\"get\" action=\"").Append(e.Encode(SetupEndpoints.Path)).Append("\"><fieldset><legend>Create the App on</legend>");
        body.Append("<label><input type=\"radio\" name=\"owner\" value=\"user\"").Append(model.Organization ? "" : " checked").Append("> my personal account</label>");
        body.Append("<label><input type=\"radio\" name=\"owner\" value=\"organization\"").Append(model.Organization ? " checked" : "")
            .Append("> the organization <input type=\"text\" id=\"org\" name=\"org\" autocomplete=\"off\" spellcheck=\"false\" maxlength=\"39\" placeholder=\"organization name\" value=\"")
            .Append(e.Encode(model.OrganizationName)).Append("\"></label>");
        body.Append("<button type=\"submit\" id=\"apply\">Apply</button></fieldset></form>");
        body.Append("<form id=\"manifest-form\" method=\"post\" action=\"").Append(e.Encode(model.Action))
            .Append("\" data-web-base=\"").Append(e.Encode(model.WebBase))
            .Append("\" data-state=\"").Append(e.Encode(model.State)).Append("\">");
        body.Append("<input type=\"hidden\" id=\"manifest\" name=\"manifest\" value=\"").Append(e.Encode(model.ManifestJson)).Append("\">");
        body.Append("<p class=\"note\">Posts the manifest to <output id=\"target\" for=\"org\"></output></p>");
        body.Append("<button type=\"submit\" id=\"create\">Create the GitHub App on GitHub</button></form>");
        body.Append("<p class=\"note\">GitHub will deliver webhooks to <code id=\"hook-url\">").Append(e.Encode(model.HookUrl)).Append("</code>. ");
        body.Append(model.PublicUrlConfigured
            ? "That comes from <code>Setup:PublicUrl</code> / <code>Setup:WebhookUrl</code>."
            : "That is the address this page was opened on; GitHub must be able to reach it. Set <code>Setup:PublicUrl</code> (the Function App URL or a tunnel) or <code>Setup:WebhookUrl</code> (e.g. a smee.io channel) to change it.");
        body.Append("</p><details><summary>The App manifest</summary><pre id=\"manifest-preview\">").Append(e.Encode(model.ManifestPretty)).Append("</pre></details>");
        return Layout(nonce, "FinGuard setup", body.ToString(), script: true);
    }

    public static string Completed(string nonce, AppCredentials app, string secretsPath)
    {
        var e = HtmlEncoder.Default;
        var body = new StringBuilder();
        AppendRegistered(body, app, e);
        body.Append("<p>Its id, private key")
            .Append(app.WebhookSecret is null ? "" : ", webhook secret")
            .Append(" and OAuth client credentials are in <code>").Append(e.Encode(secretsPath))
            .Append("</code>, readable only by the account FinGuard runs as. FinGuard loads that file at start and reloads it when it changes; restart <code>finguard serve</code> to be sure every component uses the new key.</p>");
        if (app.WebhookSecret is null)
        {
            body.Append("<p><strong>GitHub returned no webhook secret.</strong> FinGuard rejects every delivery until one is configured: set a secret in the App's settings and <code>GitHub:WebhookSecret</code>.</p>");
        }

        body.Append("<h2>Next</h2><ol>");
        AppendInstallStep(body, app, e);

        body.Append("<li>In Azure, copy the private key and webhook secret into Key Vault (docs/install.md) and delete the local file.</li>");
        body.Append("<li>Require the <code>FinGuard</code> check, with this App as its source, in a branch ruleset (docs/install.md).</li></ol>");
        return Layout(nonce, "FinGuard is registered", body.ToString(), script: false);
    }

    /// <summary>The completion page when the secrets went to Key Vault: what is stored where, and the App id to deploy with.</summary>
    public static string CompletedInKeyVault(string nonce, AppCredentials app, string location)
    {
        var e = HtmlEncoder.Default;
        var body = new StringBuilder();
        AppendRegistered(body, app, e);
        body.Append("<p>Its private key")
            .Append(app.WebhookSecret is null ? "" : " and webhook secret")
            .Append(" are stored in <code id=\"secrets-location\">").Append(e.Encode(location))
            .Append("</code>, the secrets the Function App's Key Vault references read. Nothing was written to disk; the OAuth client secret was not kept (FinGuard does not use it; GitHub can issue a new one).</p>");
        if (app.WebhookSecret is null)
        {
            body.Append("<p><strong>GitHub returned no webhook secret.</strong> FinGuard rejects every delivery until one is configured: set a secret in the App's settings and store it as <code>")
                .Append(KeyVaultSetupSecretsStore.WebhookSecretName).Append("</code>.</p>");
        }

        body.Append("<h2>Next</h2><ol>");
        body.Append("<li>Deploy again with the App id (not a secret): <code>export FINGUARD_GITHUB_APP_ID=").Append(e.Encode(app.AppId))
            .Append("</code> and run the deployment (docs/install.md, step 4). That also makes the Function App re-read its Key Vault references.</li>");
        AppendInstallStep(body, app, e);

        body.Append("<li>Require the <code>FinGuard</code> check, with this App as its source, in a branch ruleset (docs/install.md).</li></ol>");
        return Layout(nonce, "FinGuard is registered", body.ToString(), script: false);
    }

    /// <summary>The completion pages' heading: which App GitHub created, its id and owner.</summary>
    private static void AppendRegistered(StringBuilder body, AppCredentials app, HtmlEncoder e)
    {
        body.Append("<h1 id=\"completed\">FinGuard is registered</h1>");
        body.Append("<p>GitHub created the App <strong>").Append(e.Encode(app.Name ?? app.Slug)).Append("</strong> (id <code id=\"app-id\">")
            .Append(e.Encode(app.AppId)).Append("</code>")
            .Append(app.Owner is null ? "" : ", owned by " + e.Encode(app.Owner)).Append(").</p>");
    }

    /// <summary>The "install the App" step: a link to its installation page when GitHub gave the App's URL.</summary>
    private static void AppendInstallStep(StringBuilder body, AppCredentials app, HtmlEncoder e) => body.Append(app.HtmlUrl is not null
        ? $"<li><a id=\"install\" href=\"{e.Encode(app.HtmlUrl.TrimEnd('/') + "/installations/new")}\">Install the App</a> on the repositories FinGuard should guard.</li>"
        : "<li>Install the App from its settings page on GitHub.</li>");

    public static string AlreadyConfigured(string nonce, string appId)
    {
        var body = "<h1 id=\"configured\">FinGuard is already configured</h1><p>GitHub App <code>" + HtmlEncoder.Default.Encode(appId)
            + "</code> is configured, so setup is closed. To register a different App, remove the current App credentials (<code>GitHub:AppId</code>, "
            + "<code>GitHub:PrivateKey</code>) and restart FinGuard.</p>";
        return Layout(nonce, "FinGuard is already configured", body, script: false);
    }

    public static string Installed(string nonce, GitHub.Installations.AppInstallation installation, string? setupAction)
    {
        ArgumentNullException.ThrowIfNull(installation);
        var e = HtmlEncoder.Default;
        var body = new StringBuilder("<h1 id=\"installed\">FinGuard is installed</h1><p>");
        body.Append(string.Equals(setupAction, "update", StringComparison.Ordinal) ? "GitHub confirms the updated installation" : "GitHub confirms the installation")
            .Append(" on <code>").Append(e.Encode(installation.Account)).Append("</code> (installation <code>")
            .Append(installation.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append("</code>, ")
            .Append(installation.RepositorySelection == "all" ? "all repositories" : "selected repositories").Append(").</p>");
        body.Append("<p>FinGuard now posts a <code>FinGuard</code> check run on every pull request in those repositories. To block ")
            .Append("merges that fail it, add a branch ruleset that requires the <code>FinGuard</code> status check with this App as the expected source ")
            .Append("(FinGuard's <code>docs/install.md</code>, \"Require the FinGuard check\"). Each repository's rules live in ")
            .Append("<code>.github/finguard.yml</code> on its default branch (<code>docs/policy.md</code>).</p>");
        return Layout(nonce, "FinGuard is installed", body.ToString(), script: false);
    }

    public static string Message(string nonce, string title, string detail, bool retry)
    {
        var e = HtmlEncoder.Default;
        var body = "<h1 id=\"message\">" + e.Encode(title) + "</h1><p id=\"detail\">" + e.Encode(detail) + "</p>"
            + (retry ? "<p><a href=\"" + e.Encode(SetupEndpoints.Path) + "\">Start setup again</a></p>" : "");
        return Layout(nonce, title, body, script: false);
    }

    private static string Layout(string nonce, string title, string body, bool script)
    {
        var e = HtmlEncoder.Default;
        var html = new StringBuilder("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"referrer\" content=\"no-referrer\">");
        html.Append("<title>").Append(e.Encode(title)).Append("</title><style nonce=\"").Append(e.Encode(nonce)).Append("\">").Append(Style).Append("</style></head><body><main>");
        html.Append(body);
        if (script)
        {
            html.Append("<script nonce=\"").Append(e.Encode(nonce)).Append("\">").Append(Script).Append("</script>");
        }

        return html.Append("</main></body></html>").ToString();
    }
}
