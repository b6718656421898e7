// The Medusa dialect driven by Medusa's own client, @medusajs/js-sdk, unchanged.
//
//   node check.mjs <sdk folder> <base URL with the Medusa prefix> <admin email> <admin password>
//
// Run by the `medusa_sdk` API test. Walks the admin user lifecycle as a Medusa client does it and
// exits non-zero, naming the step, on the first answer that is not what Medusa's types promise.
// The last line on stdout is a JSON summary the test reads.
import { createRequire } from "node:module";
import path from "node:path";

const [sdkDir, baseUrl, adminEmail, adminPassword] = process.argv.slice(2);
const require = createRequire(path.join(sdkDir, "package.json"));
const sdk = await import(require.resolve("@medusajs/js-sdk"));
// The package's CommonJS build, imported: its exports sit under `default`.
const Medusa = sdk.default?.default ?? sdk.default;
const FetchError = sdk.FetchError ?? sdk.default?.FetchError;

const client = () =>
  new Medusa({ baseUrl, auth: { type: "jwt", jwtTokenStorageMethod: "memory" } });

function check(condition, step, detail) {
  if (!condition) {
    console.error(`FAILED at ${step}: ${JSON.stringify(detail)}`);
    process.exit(1);
  }
}

async function status(step, promise) {
  try {
    await promise;
  } catch (error) {
    check(error instanceof FetchError, step, String(error));
    return error.status;
  }
  return 200;
}

const userId = /^user_[1-9][0-9]*$/;

// An admin logs in and reads the admins.
const admin = client();
const token = await admin.auth.login("user", "emailpass", { email: adminEmail, password: adminPassword });
check(typeof token === "string" && token.split(".").length === 3, "auth.login", token);
const listed = await admin.admin.user.list();
check(Array.isArray(listed.users) && listed.count >= 1 && listed.offset === 0 && listed.limit === 20, "admin.user.list", listed);
const { user: me } = await admin.admin.user.me();
check(userId.test(me.id) && me.email === adminEmail.toLowerCase(), "admin.user.me", me);
const { user: retrieved } = await admin.admin.user.retrieve(me.id);
check(retrieved.id === me.id && retrieved.email === me.email, "admin.user.retrieve", retrieved);
const { user: updated } = await admin.admin.user.update(me.id, { first_name: "Renamed", last_name: "By Medusa" });
check(updated.first_name === "Renamed" && updated.last_name === "By Medusa", "admin.user.update", updated);

// An invite, accepted as the js-sdk does it: auth.register, then admin.invite.accept.
const inviteeEmail = "invitee@example.com";
const inviteePassword = "Invitee-pass-1";
const { invite } = await admin.admin.invite.create({ email: inviteeEmail });
check(/^invite_[1-9][0-9]*$/.test(invite.id) && invite.accepted === false && invite.token.length > 0, "admin.invite.create", invite);
const invitee = client();
const registration = await invitee.auth.register("user", "emailpass", { email: inviteeEmail, password: inviteePassword });
check(typeof registration === "string", "auth.register", registration);
const accepted = await invitee.admin.invite.accept({ invite_token: invite.token, first_name: "Ivy", last_name: "Invitee" });
check(userId.test(accepted.user.id) && accepted.user.email === inviteeEmail, "admin.invite.accept", accepted);

// The new admin logs in.
const newcomer = client();
await newcomer.auth.login("user", "emailpass", { email: inviteeEmail, password: inviteePassword });
const { user: newcomerMe } = await newcomer.admin.user.me();
check(newcomerMe.id === accepted.user.id && newcomerMe.first_name === "Ivy", "new admin: admin.user.me", newcomerMe);

// A resent invite: the old token dies, the new one works.
const lateEmail = "late@example.com";
const { invite: first } = await admin.admin.invite.create({ email: lateEmail });
const { invite: resent } = await admin.admin.invite.resend(first.id);
check(resent.id === first.id && resent.token !== first.token, "admin.invite.resend", resent);
const late = client();
await late.auth.register("user", "emailpass", { email: lateEmail, password: "Late-pass-12" });
const oldStatus = await status("accept with the old token", late.admin.invite.accept({ invite_token: first.token, first_name: "Old" }));
check(oldStatus === 401, "accept with the old token after resend", oldStatus);
const lateAccepted = await late.admin.invite.accept({ invite_token: resent.token, first_name: "Late" });
check(userId.test(lateAccepted.user.id), "accept with the resent token", lateAccepted);

// Deleting an admin ends its sessions at once.
const deleted = await admin.admin.user.delete(newcomerMe.id);
check(deleted.id === newcomerMe.id && deleted.object === "user" && deleted.deleted === true, "admin.user.delete", deleted);
const afterDelete = await status("the deleted admin's next request", newcomer.admin.user.me());
check(afterDelete === 401, "the deleted admin's JWT", afterDelete);
const relogin = await status("the deleted admin logs in", client().auth.login("user", "emailpass", { email: inviteeEmail, password: inviteePassword }));
check(relogin === 401, "the deleted admin cannot log in", relogin);

// A forgotten password: the same answer for any email; a token that is not the mailed one is 401.
await client().auth.resetPassword("user", "emailpass", { identifier: adminEmail });
await client().auth.resetPassword("user", "emailpass", { identifier: "nobody@example.com" });
const wrongReset = await status("auth.updateProvider with a wrong token", client().auth.updateProvider("user", "emailpass", { password: "Whatever-pass-1" }, "not-a-reset-token"));
check(wrongReset === 401, "auth.updateProvider with a wrong token", wrongReset);

// A customer registers, is created by store.customer.create, logs in, reads and updates itself.
const shopper = client();
const customerEmail = "shopper@example.com";
const customerPassword = "Shopper-pass-1";
const customerRegistration = await shopper.auth.register("customer", "emailpass", { email: customerEmail, password: customerPassword });
check(typeof customerRegistration === "string", "auth.register customer", customerRegistration);
const { customer: createdCustomer } = await shopper.store.customer.create({ email: customerEmail, first_name: "Sam", last_name: "Shopper" });
check(/^cus_[1-9][0-9]*$/.test(createdCustomer.id) && createdCustomer.email === customerEmail, "store.customer.create", createdCustomer);
const customerToken = await shopper.auth.login("customer", "emailpass", { email: customerEmail, password: customerPassword });
check(typeof customerToken === "string", "auth.login customer", customerToken);
const { customer: customerMe } = await shopper.store.customer.retrieve();
check(customerMe.id === createdCustomer.id && customerMe.first_name === "Sam", "store.customer.retrieve", customerMe);
const { customer: customerUpdated } = await shopper.store.customer.update({ first_name: "Samantha", last_name: "Shopper", metadata: { newsletter: true } });
check(customerUpdated.id === createdCustomer.id && customerUpdated.first_name === "Samantha" && customerUpdated.metadata?.newsletter === true, "store.customer.update", customerUpdated);

// A secret API key: created (its secret shown once), listed, used as apiKey, revoked.
const { api_key: apiKey } = await admin.admin.apiKey.create({ title: "Server key", type: "secret" });
check(/^apk_[1-9][0-9]*$/.test(apiKey.id) && apiKey.type === "secret" && apiKey.token.length > 0, "admin.apiKey.create", apiKey);
const keys = await admin.admin.apiKey.list({ type: "secret" });
check(keys.api_keys.some((key) => key.id === apiKey.id && key.token !== apiKey.token), "admin.apiKey.list", keys);
const server = new Medusa({ baseUrl, apiKey: apiKey.token });
const byKey = await server.admin.customer.list();
check(Array.isArray(byKey.customers), "admin.customer.list with the secret key", byKey);
const { api_key: revokedKey } = await admin.admin.apiKey.revoke(apiKey.id);
check(revokedKey.id === apiKey.id && typeof revokedKey.revoked_at === "string", "admin.apiKey.revoke", revokedKey);
const afterRevoke = await status("the revoked key", server.admin.customer.list());
check(afterRevoke === 401, "the revoked key is refused", afterRevoke);

console.log(JSON.stringify({ ok: true, admin: me.id, invited: accepted.user.id, deleted: deleted.id, late: lateAccepted.user.id }));
