/** `svc schema [service|security-group]`: the JSON Schema of spec files, for editors and validators. */
import { Argument, Command } from 'commander';
import type { JsonSchema } from '../spec/json-fragments.js';
import { serviceJsonSchema } from '../spec/json-schema.js';
import { securityGroupJsonSchema } from '../spec/security-group-schema.js';

const EXAMPLES = `
Examples:
  $ svc schema > service.schema.json            # the schema of service specs (svc create -f)
  $ svc schema security-group                   # the schema of security groups (svc sg create -f)
  $ svc schema | jq '.definitions.Protocol'     # one field's rules

In a spec file, the first line tells the YAML language server (VS Code's YAML extension, Neovim,
…) where the schema is, for completion, hover help and errors as you type:
  # yaml-language-server: $schema=./service.schema.json

Keys and enumerated values match in any letter case, as svc matches them; editors complete the
canonical spelling. What a schema cannot say (a certificate matching its key, one key given in
two spellings, a container path mounted twice) is still checked by svc.
`;

export const SCHEMAS: Record<string, () => JsonSchema> = {
  service: serviceJsonSchema,
  'security-group': securityGroupJsonSchema,
};

/** A schema as `svc schema` prints it and schema/KIND.schema.json holds it. */
export function schemaText(kind: string): string {
  const make = SCHEMAS[kind];
  if (!make) throw new Error(`no schema ${kind}`);
  return `${JSON.stringify(make(), null, 2)}\n`;
}

export function schemaCommand(): Command {
  const cmd = new Command('schema')
    .summary('print the JSON Schema of service (or security group) spec files')
    .description(
      'Print the JSON Schema (draft-07) of a service spec file (svc create -f FILE), generated from ' +
        'the table svc validates with, or of a security group file (svc sg create -f FILE). The ' +
        'package also holds them as schema/service.schema.json and schema/security-group.schema.json.',
    )
    .addArgument(new Argument('[kind]', 'which schema').choices(Object.keys(SCHEMAS)).default('service'))
    .action((kind: string) => {
      process.stdout.write(schemaText(kind));
    });
  cmd.addHelpText('after', EXAMPLES);
  return cmd;
}
