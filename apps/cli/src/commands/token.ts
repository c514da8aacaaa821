// `signalbox token create|list|revoke`: agent tokens. The secret is printed once, at create.
import type { Command } from "commander";
import { type CommandContext, callApi, print } from "../cli-context.js";
import { formatTable, formatTime } from "../output/table.js";
import { readTokenId, readTokenScope, readTtl } from "../read-arguments.js";

interface CreateOptions {
  service?: string;
  anyService?: boolean;
  ttl?: string;
}

export function registerToken(program: Command, ctx: CommandContext): void {
  const token = program.command("token").description("agent tokens: create, list, revoke");

  token
    .command("create")
    .description("create an agent token; its secret is shown once (give it to the agent as AGENT_TOKEN)")
    .option(
      "--service <name>",
      "only agents of this service (AGENT_SERVICE) may use it (required, or --any-service)",
    )
    .option(
      "--any-service",
      "agents of any service may use it (use sparingly: one leaked secret speaks for every service)",
    )
    .option("--ttl <duration>", "expire after this long: 90s, 30m, 24h, 7d, 2w (default: never)")
    .action(async (options: CreateOptions, command: Command) => {
      const scope = readTokenScope(options);
      const ttl = options.ttl === undefined ? undefined : readTtl(options.ttl);
      const result = await callApi(ctx, command, "token.create", {
        ...scope,
        ...(ttl !== undefined && { ttl }),
      });
      print(ctx, command, { id: result.id, secret: result.secret }, () =>
        [
          `created token ${result.id} (service ${result.service ?? "any"}, expires ${formatTime(result.expiresAt)})`,
          "secret (shown only now; set it as AGENT_TOKEN):",
          result.secret,
        ].join("\n"),
      );
    });

  token
    .command("list")
    .description("list tokens (ids and dates, never secrets)")
    .action(async (_options: unknown, command: Command) => {
      const { tokens } = await callApi(ctx, command, "token.list", {});
      print(ctx, command, { tokens }, () =>
        formatTable(
          ["ID", "SERVICE", "CREATED", "EXPIRES", "REVOKED"],
          tokens.map((t) => [
            t.id,
            t.service ?? "(any)",
            formatTime(t.createdAt),
            formatTime(t.expiresAt),
            t.revoked ? formatTime(t.revokedAt) : "no",
          ]),
        ),
      );
    });

  token
    .command("revoke")
    .description("revoke a token: agents using it are rejected at their next heartbeat")
    .argument("<id>", "token id, like tok_0123456789ab (signalbox token list shows them)")
    .action(async (idText: string, _options: unknown, command: Command) => {
      const result = await callApi(ctx, command, "token.revoke", { id: readTokenId(idText) });
      print(ctx, command, { id: result.id }, () => `revoked ${result.id}`);
    });
}
