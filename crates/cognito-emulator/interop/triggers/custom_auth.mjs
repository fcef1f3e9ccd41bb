// CUSTOM_AUTH driven by a pool's define / create / verify functions (custom_auth.py), through
// amazon-cognito-identity-js 6.x (installed in ../js by `npm ci`).
//
// Usage: node custom_auth.mjs <emulator-url> <pool id> <client id> <username> <password>
// Prints `ok: ...` per check and `all custom auth trigger checks passed`; exits non-zero on a
// failed check.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../js/package.json', import.meta.url));
const { AuthenticationDetails, CognitoUser, CognitoUserPool } = require('amazon-cognito-identity-js');

const [url, poolId, clientId, username, password] = process.argv.slice(2);
const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint: url.replace(/\/$/, '') });

function check(cond, what) {
  if (!cond) {
    console.error(`FAIL: ${what}`);
    process.exit(1);
  }
  console.log(`ok: ${what}`);
}

/// Signs in with CUSTOM_AUTH (with SRP first when a password is given), answering `answers` in
/// turn; the questions' parameters and the session.
function signIn(answers, withPassword) {
  const user = new CognitoUser({ Username: username, Pool: pool });
  user.setAuthenticationFlowType('CUSTOM_AUTH');
  const asked = [];
  return new Promise((resolve, reject) => {
    const callbacks = {
      onSuccess: (session) => resolve({ session, asked }),
      onFailure: reject,
      customChallenge: (parameters) => {
        asked.push(parameters);
        user.sendCustomChallengeAnswer(answers.shift(), callbacks);
      },
    };
    const details = new AuthenticationDetails(
      withPassword ? { Username: username, Password: password } : { Username: username },
    );
    if (withPassword) {
      user.authenticateUser(details, callbacks);
    } else {
      user.initiateAuth(details, callbacks);
    }
  });
}

const srp = await signIn(['red', 'blue'], true);
check(srp.session.isValid(), 'authenticateUser (CUSTOM_AUTH, SRP_A then PASSWORD_VERIFIER): signed in');
check(srp.asked.length === 2 && srp.asked[0].question === 'Favourite colour?', 'the function\'s question, asked again after a wrong answer');
check(srp.asked[1].try === '2', 'the second question knows the first answer was wrong');

const plain = await signIn(['blue'], false);
check(plain.session.isValid() && plain.asked.length === 1, 'initiateAuth (CUSTOM_AUTH without a password): one question, signed in');

let refused = null;
try {
  await signIn(['a', 'b', 'c'], false);
} catch (e) {
  refused = e;
}
check(refused && refused.code === 'NotAuthorizedException', 'three wrong answers: the define function fails the sign-in');
console.log('all custom auth trigger checks passed');
