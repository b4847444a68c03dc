/**
 * What a scope lets an agent do, in plain words, for the people who consent on a portal. Vendors'
 * own documentation is the source; a scope not listed here is shown by its name only.
 */
const OPENID_CONNECT: Record<string, string> = {
  openid: 'Confirm who you are',
  profile: 'See your name and basic profile',
  email: 'See your e-mail address',
  address: 'See your postal address',
  phone: 'See your phone number',
  offline_access: 'Keep access while you are away (until you revoke it)',
};

const BY_VENDOR: Record<string, Record<string, string>> = {
  GoogleOauth2: {
    'https://www.googleapis.com/auth/drive': 'See, edit, create and delete all your Google Drive files',
    'https://www.googleapis.com/auth/drive.readonly': 'See and download all your Google Drive files',
    'https://www.googleapis.com/auth/drive.file':
      'See, edit and create only the Drive files this agent creates or you open with it',
    'https://www.googleapis.com/auth/drive.metadata.readonly':
      'See the names and details of your Google Drive files',
    'https://www.googleapis.com/auth/gmail.readonly': 'Read your Gmail messages and settings',
    'https://www.googleapis.com/auth/gmail.send': 'Send e-mail as you',
    'https://www.googleapis.com/auth/calendar': 'See, edit, share and delete all your calendars',
    'https://www.googleapis.com/auth/calendar.readonly': 'See your calendars and events',
    'https://www.googleapis.com/auth/userinfo.email': 'See your e-mail address',
    'https://www.googleapis.com/auth/userinfo.profile': 'See your name and basic profile',
  },
  GithubOauth2: {
    repo: 'Read and write all your public and private repositories',
    public_repo: 'Read and write your public repositories',
    'read:user': 'Read your profile',
    'user:email': 'See your e-mail addresses',
    'read:org': 'See your organisations and teams',
    gist: 'Create and edit your gists',
    workflow: 'Change your GitHub Actions workflows',
  },
  SlackOauth2: {
    'channels:read': 'See the public channels of your workspace',
    'channels:history': 'Read messages in public channels you are in',
    'chat:write': 'Post messages as you',
    'users:read': 'See the people in your workspace',
    'files:read': 'See files shared in channels you are in',
    'search:read': 'Search your workspace',
  },
  SalesforceOauth2: {
    api: 'Read and change your Salesforce data',
    refresh_token: 'Keep access while you are away (until you revoke it)',
    full: 'Full access to everything you can see in Salesforce',
    id: 'See your identity',
  },
  MicrosoftOauth2: {
    'User.Read': 'Sign you in and read your profile',
    'Mail.Read': 'Read your mail',
    'Mail.Send': 'Send mail as you',
    'Files.Read': 'Read your files',
    'Files.ReadWrite': 'Read and change your files',
    'Calendars.ReadWrite': 'Read and change your calendars',
  },
};

/** The plain description of a vendor's scope, undefined when the catalog has none. */
export function describeScope(vendor: string, scope: string): string | undefined {
  return BY_VENDOR[vendor]?.[scope] ?? OPENID_CONNECT[scope];
}
