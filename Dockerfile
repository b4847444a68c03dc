# One image for both processes: `npm run start:api` or `npm run start:worker`.
# Not built or run in CI (no container engine there); see README.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY tsconfig.json tools.json ./
COPY apps ./apps
COPY libs ./libs
COPY workflows ./workflows
COPY activities ./activities
ENV MANDATE_HOST=0.0.0.0 MANDATE_DATA_DIR=/data
USER node
CMD ["npm", "run", "start:api"]
