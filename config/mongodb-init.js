// Run once by the mongo image on an empty data directory (docker-entrypoint-initdb.d), as the root
// user: lrs-bridge's own user, with readWrite on its database only (docker-compose.yml).
const name = process.env.LRS_MONGODB_DATABASE || "lrs";
db.getSiblingDB(name).createUser({
  user: process.env.LRS_MONGODB_USER || "lrs",
  pwd: process.env.LRS_MONGODB_PASSWORD,
  roles: [{ role: "readWrite", db: name }],
});
